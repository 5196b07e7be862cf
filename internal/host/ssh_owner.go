package host

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// LookupOwner resolves o to numeric ids on the host. A field made of digits is an id as it is;
// anything else is a name looked up in the host's /etc/passwd or /etc/group (read over SFTP once
// per connection, see entFiles) or, when they do not have it, with getent on the host; either
// answer is cached. An empty field is -1.
func (h *SSHHost) LookupOwner(ctx context.Context, o Owner) (uid, gid int, err error) {
	if err := ctx.Err(); err != nil {
		return -1, -1, err
	}
	err = h.with(ctx, func(c *sshConn) error {
		uid, gid, err = h.lookupOwner(ctx, c, o)
		return err
	})
	if err != nil {
		return -1, -1, err
	}
	return uid, gid, nil
}

// ownerQuery is one getent lookup: database "passwd" or "group", key a name or an id.
type ownerQuery struct {
	group bool
	key   string
}

func (q ownerQuery) db() string {
	if q.group {
		return "group"
	}
	return "passwd"
}

func (q ownerQuery) kind() string {
	if q.group {
		return "group"
	}
	return "user"
}

func (h *SSHHost) lookupOwner(ctx context.Context, c *sshConn, o Owner) (int, int, error) {
	ids := [2]int{-1, -1}
	var queries []ownerQuery
	for i, s := range []string{o.User, o.Group} {
		q := ownerQuery{group: i == 1, key: s}
		switch {
		case s == "":
		case strings.Trim(s, "0123456789") == "":
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil || n == math.MaxUint32 { // (uid_t)-1 means "unchanged"
				return -1, -1, fmt.Errorf("%s id %s is out of range", q.kind(), s)
			}
			ids[i] = int(n)
		default:
			if v, ok := h.ids.Load(nameKey{group: q.group, name: s}); ok {
				ids[i] = v.(int)
			} else {
				queries = append(queries, q)
			}
		}
	}
	if len(queries) == 0 {
		return ids[0], ids[1], nil
	}
	files := c.entFiles(h.entPaths())
	var rest []ownerQuery
	for _, q := range queries {
		if id, ok := files.id(q.group, q.key); ok {
			h.ids.Store(nameKey{group: q.group, name: q.key}, id)
			ids[dbIndex(q.group)] = id
		} else {
			rest = append(rest, q)
		}
	}
	if queries = rest; len(queries) == 0 {
		return ids[0], ids[1], nil
	}
	entries, err := h.getent(ctx, c, queries)
	if err != nil {
		return -1, -1, err
	}
	for j, q := range queries {
		e := entries[j]
		if e == nil {
			return -1, -1, fmt.Errorf("%s %q %w on host %s", q.kind(), q.key, ErrUnknownOwner, h.id)
		}
		idField := 2
		if len(e) <= idField {
			return -1, -1, fmt.Errorf("looking up %s %q on host %s: malformed entry %q", q.kind(), q.key, h.id, strings.Join(e, ":"))
		}
		id, err := strconv.Atoi(e[idField])
		if err != nil {
			return -1, -1, fmt.Errorf("%s %q has the non-numeric id %q on host %s", q.kind(), q.key, e[idField], h.id)
		}
		h.ids.Store(nameKey{group: q.group, name: q.key}, id)
		h.names.Store(idKey{group: q.group, id: id}, e[0])
		if q.group {
			ids[1] = id
		} else {
			ids[0] = id
		}
	}
	return ids[0], ids[1], nil
}

// idNames returns the names of uid and gid on the host, or the numbers when the host has no names
// for them. Only names found are cached, as on the local host.
func (h *SSHHost) idNames(ctx context.Context, c *sshConn, uid, gid int) (string, string, error) {
	out := [2]string{strconv.Itoa(uid), strconv.Itoa(gid)}
	var queries []ownerQuery
	var slots []int
	var files *entFiles
	for i, id := range []int{uid, gid} {
		if v, ok := h.names.Load(idKey{group: i == 1, id: id}); ok {
			out[i] = v.(string)
			continue
		}
		if files == nil {
			files = c.entFiles(h.entPaths())
		}
		if name, ok := files.name(i == 1, id); ok {
			out[i] = name
			h.names.Store(idKey{group: i == 1, id: id}, name)
			continue
		}
		queries = append(queries, ownerQuery{group: i == 1, key: strconv.Itoa(id)})
		slots = append(slots, i)
	}
	if len(queries) == 0 {
		return out[0], out[1], nil
	}
	entries, err := h.getent(ctx, c, queries)
	if err != nil {
		return "", "", err
	}
	idOf := [2]int{uid, gid}
	for j, e := range entries {
		if len(e) > 0 && e[0] != "" {
			out[slots[j]] = e[0]
			h.names.Store(idKey{group: queries[j].group, id: idOf[slots[j]]}, e[0])
		}
	}
	return out[0], out[1], nil
}

// entCall is a getent lookup in flight, which concurrent callers with the same queries share.
type entCall struct {
	done    chan struct{}
	entries [][]string
	err     error
}

// getent runs c.getent once for concurrent callers that ask the same.
func (h *SSHHost) getent(ctx context.Context, c *sshConn, queries []ownerQuery) ([][]string, error) {
	var key strings.Builder
	for _, q := range queries {
		fmt.Fprintf(&key, "%s\x00%s\x00", q.db(), q.key)
	}
	h.entMu.Lock()
	if h.entCalls == nil {
		h.entCalls = map[string]*entCall{}
	}
	if call := h.entCalls[key.String()]; call != nil {
		h.entMu.Unlock()
		select {
		case <-call.done:
			return call.entries, call.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	call := &entCall{done: make(chan struct{})}
	h.entCalls[key.String()] = call
	h.entMu.Unlock()
	call.entries, call.err = c.getent(ctx, queries)
	h.entMu.Lock()
	delete(h.entCalls, key.String())
	h.entMu.Unlock()
	close(call.done)
	return call.entries, call.err
}

// getent looks up each query with one remote command and returns, per query, the fields of the
// entry, or nil when the host has no such entry.
func (c *sshConn) getent(ctx context.Context, queries []ownerQuery) ([][]string, error) {
	var script strings.Builder
	for _, q := range queries {
		fmt.Fprintf(&script, "getent %s -- %s; echo \"#$?\"; ", q.db(), shellQuote(q.key))
	}
	stdout, stderr, err := c.run(ctx, c.execSem, "sh -c "+shellQuote(script.String()))
	if err != nil {
		return nil, fmt.Errorf("looking up users and groups with getent: %w", err)
	}
	out := make([][]string, len(queries))
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	var entry string
	i := 0
	for sc.Scan() && i < len(queries) {
		line := sc.Text()
		rc, isStatus := strings.CutPrefix(line, "#")
		if !isStatus {
			entry = line
			continue
		}
		switch rc {
		case "0":
			out[i] = strings.Split(entry, ":")
		case "2": // no such key
		case "127":
			return nil, fmt.Errorf("getent is not installed on the host, so user and group names cannot be resolved (%s)", stderr)
		default:
			return nil, fmt.Errorf("getent %s %s exited with status %s: %s", queries[i].db(), queries[i].key, rc, stderr)
		}
		entry = ""
		i++
	}
	if i < len(queries) {
		return nil, fmt.Errorf("getent gave %d answers for %d lookups: %s", i, len(queries), stderr)
	}
	return out, nil
}

// run runs cmd in a new session (holding a slot of sem) and returns its output. A non-zero exit
// is an error that carries stderr.
func (c *sshConn) run(ctx context.Context, sem chan struct{}, cmd string) ([]byte, string, error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	defer func() { <-sem }()
	c.execs.Add(1)
	sess, err := c.lc.client.NewSession()
	if err != nil {
		return nil, "", fmt.Errorf("opening a session: %w", err)
	}
	defer sess.Close()
	var stdout bytes.Buffer
	stderr := &tailBuffer{}
	sess.Stdout, sess.Stderr = &stdout, stderr
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		sess.Close()
		return nil, "", ctx.Err()
	}
	if err != nil {
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			return stdout.Bytes(), stderr.String(), fmt.Errorf("remote command exited with status %d: %s", exit.ExitStatus(), stderr.String())
		}
		return nil, stderr.String(), err
	}
	return stdout.Bytes(), stderr.String(), nil
}

// entPaths are the nsswitch.conf, passwd and group files read for names (tests change them).
func (h *SSHHost) entPaths() [3]string {
	if h.entFileOverride != nil {
		return *h.entFileOverride
	}
	return entPaths
}
