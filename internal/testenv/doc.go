// Package testenv is test-only infrastructure: a throwaway PKI, PostgreSQL servers with TLS, openssl
// s_server, a TLS listener that speaks the Bolt handshake (no Neo4j server can run on the test machines),
// hostile servers, PgBouncer and nginx as real poolers and proxies (Debian's pgbouncer and nginx-light), and
// psql, curl and openssl as the oracles for clients' verdicts.
//
// Every server listens on 127.0.0.1 only. External processes run under a small shell supervisor that
// holds a pipe from the test binary: when the test binary exits, however it exits, the pipe closes and
// the supervisor stops the process and removes its directory, so nothing outlives a test run even in a
// package without TestMain.
package testenv
