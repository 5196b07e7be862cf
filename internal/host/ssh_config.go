package host

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// DefaultSSHTimeout bounds the TCP dial and the SSH handshake (key exchange and authentication)
// when SSHConfig.Timeout is zero.
const DefaultSSHTimeout = 30 * time.Second

// SSHConfig is one SSH target: the fields of the provider's (and each resource's) `ssh` block, one
// to one. The zero values of Port and Timeout mean 22 and DefaultSSHTimeout.
//
// Host keys are always verified: exactly one of KnownHosts (the content of a known_hosts file,
// hashed or not, markers allowed) and HostKey (one pinned public key, as in authorized_keys,
// "ssh-ed25519 AAAA...", or as a known_hosts line) must be set. At least one of PrivateKey and
// Agent must be set.
type SSHConfig struct {
	Host string
	Port int
	User string
	// PrivateKey is a PEM private key (OpenSSH, PKCS#1, PKCS#8 or SEC1); PrivateKeyPassphrase
	// decrypts it when it is encrypted.
	PrivateKey           string
	PrivateKeyPassphrase string
	// Agent adds the keys of the agent at SSH_AUTH_SOCK.
	Agent      bool
	KnownHosts string
	HostKey    string
	// Sudo runs the SFTP server and the lock command through `sudo -n`, so that files can be
	// written as root (and chowned to any user) while logging in as a deploy user.
	Sudo    bool
	Timeout time.Duration
	// AllowSHA1HostKeySignatures offers the server the `ssh-rsa` host key algorithm (an RSA key with a
	// SHA-1 signature), which is off by default, as in OpenSSH 8.8 and later: only rsa-sha2-256 and
	// rsa-sha2-512 are offered for an RSA host key. Set it for a legacy server (OpenSSH before 7.2)
	// that signs with SHA-1 only.
	AllowSHA1HostKeySignatures bool
	// Bastion, when set, is the jump host: the connection to Host:Port is tunnelled through an SSH
	// connection to the bastion (a direct-tcpip channel, as `ssh -J` does). The bastion's own host
	// key is verified by its own KnownHosts or HostKey, under the same rules.
	Bastion *SSHConfig
}

// ConfigError is an SSH configuration that cannot work (missing or contradictory fields, a key
// that does not parse). It is never retried.
type ConfigError struct {
	Target string // "ssh://user@host:port", or the part of it that is known
	Msg    string
	Err    error
}

func (e *ConfigError) Error() string {
	msg := "ssh configuration for " + e.Target + ": " + e.Msg
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}
func (e *ConfigError) Unwrap() error { return e.Err }

// HostKeyError is a host key that could not be verified: the host is not in known_hosts
// (Unknown), it presented a key other than the recorded ones, or its key is revoked. Nothing has
// been read or written on the host, and the connection is never retried.
type HostKeyError struct {
	Addr    string // host:port as dialled
	Unknown bool
	Msg     string
	Err     error
}

func (e *HostKeyError) Error() string {
	return "ssh host key verification failed for " + e.Addr + ": " + e.Msg
}
func (e *HostKeyError) Unwrap() error { return e.Err }

// AuthError is a rejected login. It names user@host:port and the methods that were tried, and is
// never retried.
type AuthError struct {
	User    string
	Addr    string
	Methods []string // what was offered, e.g. "publickey (private_key ssh-ed25519 SHA256:...)"
	Err     error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("ssh authentication as %s@%s failed (tried: %s): %v",
		e.User, e.Addr, strings.Join(e.Methods, ", "), e.Err)
}
func (e *AuthError) Unwrap() error { return e.Err }

func (c SSHConfig) port() int {
	if c.Port == 0 {
		return 22
	}
	return c.Port
}

func (c SSHConfig) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultSSHTimeout
	}
	return c.Timeout
}

// Addr is "host:port" as it is dialled and looked up in known_hosts.
func (c SSHConfig) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.port())) }

// ID names the target: "ssh://user@host:port". The route (a bastion) is not part of it: the same
// machine reached two ways is the same host for humans and for resource IDs. Pool keys do tell
// routes apart.
func (c SSHConfig) ID() string { return "ssh://" + c.User + "@" + c.Addr() }

// route describes the target with the chain of bastions it is reached through, for messages.
func (c SSHConfig) route() string {
	s := c.ID()
	for b := c.Bastion; b != nil; b = b.Bastion {
		s += " via " + b.ID()
	}
	return s
}

// poolKey identifies a connection: the route, the login and everything that decides how the
// connection is authenticated and verified (hashed, so that no secret is kept in the key), and
// sudo (which decides the SFTP server). Two configurations with the same key share a connection.
func (c SSHConfig) poolKey() string {
	h := sha256.New()
	var write func(c *SSHConfig)
	write = func(c *SSHConfig) {
		for _, s := range []string{c.Host, strconv.Itoa(c.port()), c.User, c.PrivateKey, c.PrivateKeyPassphrase,
			strconv.FormatBool(c.Agent), c.KnownHosts, c.HostKey, strconv.FormatBool(c.Sudo), strconv.FormatBool(c.AllowSHA1HostKeySignatures)} {
			fmt.Fprintf(h, "%d:%s;", len(s), s)
		}
		if c.Bastion != nil {
			h.Write([]byte("via;"))
			write(c.Bastion)
		}
	}
	write(&c)
	return c.route() + "#" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Validate checks the configuration without connecting: required fields, exactly one source of
// host keys, a private key that parses (and decrypts), and the same for the bastion.
func (c SSHConfig) Validate() error {
	target := c.ID()
	bad := func(msg string, err error) error { return &ConfigError{Target: target, Msg: msg, Err: err} }
	switch {
	case strings.TrimSpace(c.Host) == "":
		return bad("host is required", nil)
	case strings.ContainsAny(c.Host, " \t\r\n/@[]"):
		return bad(fmt.Sprintf("host %q is not a host name or address (IPv6 addresses go without brackets)", c.Host), nil)
	case c.User == "":
		return bad("user is required", nil)
	case strings.ContainsAny(c.User, " \t\r\n:@"):
		return bad(fmt.Sprintf("user %q is not a valid login name", c.User), nil)
	case c.Port < 0 || c.Port > 65535:
		return bad(fmt.Sprintf("port %d is out of range", c.Port), nil)
	case c.Timeout < 0:
		return bad("timeout must not be negative", nil)
	case c.KnownHosts == "" && c.HostKey == "":
		return bad("host keys are always verified: set known_hosts or host_key", nil)
	case c.KnownHosts != "" && c.HostKey != "":
		return bad("set either known_hosts or host_key, not both", nil)
	case c.PrivateKey == "" && !c.Agent:
		return bad("no authentication method: set private_key or agent", nil)
	case c.PrivateKey == "" && c.PrivateKeyPassphrase != "":
		return bad("private_key_passphrase is set without private_key", nil)
	}
	if c.PrivateKey != "" {
		if _, err := c.signer(); err != nil {
			return err
		}
	}
	if _, err := c.hostKeyDB(); err != nil {
		return err
	}
	if c.Bastion != nil {
		if err := c.Bastion.Validate(); err != nil {
			return fmt.Errorf("bastion: %w", err)
		}
	}
	return nil
}

// signers caches parsed private keys by a hash of key and passphrase: an encrypted OpenSSH key
// costs a bcrypt derivation to open, which Validate and every dial would otherwise repeat.
var signers sync.Map // [32]byte -> ssh.Signer

// signer parses PrivateKey (once per process for a given key and passphrase).
func (c SSHConfig) signer() (ssh.Signer, error) {
	sum := sha256.Sum256([]byte(c.PrivateKey + "\x00" + c.PrivateKeyPassphrase))
	if s, ok := signers.Load(sum); ok {
		return s.(ssh.Signer), nil
	}
	s, err := c.parseSigner()
	if err == nil {
		signers.Store(sum, s)
	}
	return s, err
}

func (c SSHConfig) parseSigner() (ssh.Signer, error) {
	var (
		s   ssh.Signer
		err error
	)
	if c.PrivateKeyPassphrase != "" {
		s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassphrase))
	} else {
		s, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
	}
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, &ConfigError{Target: c.ID(), Msg: "private_key is encrypted: set private_key_passphrase"}
		}
		return nil, &ConfigError{Target: c.ID(), Msg: "private_key cannot be parsed", Err: err}
	}
	return s, nil
}

// hostKeyDB is the verified set of host keys for this target.
type hostKeyDB struct {
	callback ssh.HostKeyCallback
	// known holds the keys recorded for Addr (empty: the host is unknown, unless authorities
	// are present).
	known []knownhosts.KnownKey
	// authorities reports that the data holds @cert-authority lines, which may vouch for the host
	// by certificate; then the host is not refused up front and algorithms are not narrowed.
	authorities bool
}

// hostKeyDB builds the known_hosts callback from KnownHosts, or from the single HostKey turned into
// a known_hosts line for Addr. knownhosts only reads files, so the content goes through a private
// temp file that is removed at once.
func (c SSHConfig) hostKeyDB() (*hostKeyDB, error) {
	data := c.KnownHosts
	if c.HostKey != "" {
		key, err := parsePinnedKey(c.HostKey)
		if err != nil {
			return nil, &ConfigError{Target: c.ID(), Msg: "host_key cannot be parsed", Err: err}
		}
		data = knownhosts.Line([]string{knownhosts.Normalize(c.Addr())}, key) + "\n"
	}
	cb, err := knownHostsCallback(data)
	if err != nil {
		return nil, &ConfigError{Target: c.ID(), Msg: "known_hosts cannot be parsed", Err: err}
	}
	db := &hostKeyDB{callback: cb, known: c.knownKeys(cb)}
	// @cert-authority lines whose patterns match the host: the same lines without the marker are
	// plain lines for the same patterns, which the callback then lists for the host.
	var authorities []string
	for line := range strings.SplitSeq(data, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "@cert-authority"); ok {
			authorities = append(authorities, strings.TrimSpace(rest))
		}
	}
	if len(authorities) > 0 {
		if cacb, err := knownHostsCallback(strings.Join(authorities, "\n") + "\n"); err == nil {
			db.authorities = len(c.knownKeys(cacb)) > 0
		}
	}
	return db, nil
}

// knownHostsCallback builds the knownhosts callback for data. knownhosts reads files only, so the
// content goes through a private temp file that is removed at once.
func knownHostsCallback(data string) (ssh.HostKeyCallback, error) {
	f, err := os.CreateTemp("", "dbtls-known-hosts-")
	if err != nil {
		return nil, fmt.Errorf("writing known_hosts to a temp file: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing known_hosts to a temp file: %w", err)
	}
	cb, err := knownhosts.New(name)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), name, "known_hosts"))
	}
	return cb, nil
}

// knownKeys asks cb which keys it has for the address: it lists them in a KeyError when the key
// presented does not match, and a fresh key never matches.
func (c SSHConfig) knownKeys(cb ssh.HostKeyCallback) []knownhosts.KnownKey {
	var keyErr *knownhosts.KeyError
	if err := cb(c.Addr(), &net.TCPAddr{IP: net.IPv4zero, Port: c.port()}, probeKey()); errors.As(err, &keyErr) {
		return keyErr.Want
	}
	return nil
}

// parsePinnedKey reads one public key in authorized_keys form ("ssh-ed25519 AAAA... comment") or
// as a known_hosts line ("host ssh-ed25519 AAAA...").
func parsePinnedKey(s string) (ssh.PublicKey, error) {
	s = strings.TrimSpace(s)
	if key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s)); err == nil {
		if len(strings.TrimSpace(string(rest))) > 0 {
			return nil, errors.New("holds more than one key")
		}
		return key, nil
	}
	_, _, key, _, rest, err := ssh.ParseKnownHosts([]byte(s))
	if err != nil {
		return nil, errors.New(`want one public key such as "ssh-ed25519 AAAA..."`)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errors.New("holds more than one key")
	}
	return key, nil
}

// sha1HostKeyAlgorithms are the host key algorithms whose signatures use SHA-1: offered only with
// AllowSHA1HostKeySignatures.
var sha1HostKeyAlgorithms = []string{ssh.KeyAlgoRSA, ssh.CertAlgoRSAv01}

// algorithms lists the host key algorithms to offer. With keys recorded for the host, only those of
// their types, so that a server that also has, say, an ed25519 key is asked for the RSA key that is
// known rather than failing verification (golang/go#49631); otherwise (a @cert-authority) the
// library's algorithms without known weaknesses. SHA-1 signatures (`ssh-rsa`) are left out unless
// allowSHA1 is set: collisions in SHA-1 are practical, and OpenSSH refuses them since 8.8. The list is
// never empty, and never nil (nil would mean the library's defaults, which include `ssh-rsa`).
func (db *hostKeyDB) algorithms(allowSHA1 bool) []string {
	safe := ssh.SupportedAlgorithms().HostKeys
	supported := slices.Concat(safe, ssh.InsecureAlgorithms().HostKeys)
	var out []string
	add := func(a string) {
		if slices.Contains(supported, a) && !slices.Contains(out, a) && (allowSHA1 || !slices.Contains(sha1HostKeyAlgorithms, a)) {
			out = append(out, a)
		}
	}
	if db.authorities || len(db.known) == 0 {
		for _, a := range safe {
			add(a)
		}
		if allowSHA1 {
			for _, a := range sha1HostKeyAlgorithms {
				add(a)
			}
		}
		return out
	}
	for _, k := range db.known {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			add(ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return out
}

// SHA1HostKeyError is a server that offers only host key signatures made with SHA-1 (`ssh-rsa`), which
// are refused unless AllowSHA1HostKeySignatures is set. Nothing was read or written, and it is never
// retried.
type SHA1HostKeyError struct {
	Addr    string
	Offered []string // the server's host key algorithms
}

func (e *SHA1HostKeyError) Error() string {
	return fmt.Sprintf("ssh host key verification failed for %s: the server signs its host key with SHA-1 only (it offers %s; "+
		"rsa-sha2-256 and rsa-sha2-512 are required by default, as OpenSSH 8.8 and later require them)", e.Addr, strings.Join(e.Offered, ", "))
}

// sha1OnlyHostKeyError turns the handshake's "no common host key algorithm" into a SHA1HostKeyError
// when the server offered a SHA-1 algorithm that was held back; nil otherwise.
func sha1OnlyHostKeyError(addr string, err error, allowSHA1 bool) error {
	var neg *ssh.AlgorithmNegotiationError
	if allowSHA1 || !errors.As(err, &neg) || neg.What != "host key" {
		return nil
	}
	for _, a := range neg.RequestedAlgorithms {
		if slices.Contains(sha1HostKeyAlgorithms, a) {
			return &SHA1HostKeyError{Addr: addr, Offered: neg.RequestedAlgorithms}
		}
	}
	return nil
}

// verify wraps the callback so that every failure becomes a *HostKeyError with a message that
// says what was presented and what was expected.
func (db *hostKeyDB) verify(addr string, failed *error) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := db.callback(hostname, remote, key)
		if err == nil {
			return nil
		}
		presented := key.Type() + " key " + ssh.FingerprintSHA256(key)
		hkErr := &HostKeyError{Addr: addr, Err: err}
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &revoked):
			hkErr.Msg = "the server presented the revoked " + presented
		case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
			hkErr.Unknown = true
			hkErr.Msg = "the host is not in known_hosts (it presented " + presented + ")"
		case errors.As(err, &keyErr):
			var want []string
			for _, k := range keyErr.Want {
				want = append(want, k.Key.Type()+" "+ssh.FingerprintSHA256(k.Key))
			}
			hkErr.Msg = fmt.Sprintf("the server presented %s, but the keys known for it (known_hosts or host_key) are %s: "+
				"the host was reinstalled or someone is intercepting the connection", presented, strings.Join(want, ", "))
		default:
			hkErr.Msg = fmt.Sprintf("the server presented %s: %v", presented, err)
		}
		*failed = hkErr
		return hkErr
	}
}

// unknownHostError is returned before dialling when known_hosts has nothing for the host.
func (c SSHConfig) unknownHostError() error {
	return &HostKeyError{Addr: c.Addr(), Unknown: true, Msg: fmt.Sprintf(
		"the host is not in known_hosts (add its key as %q, checked out of band, or set host_key)",
		knownhosts.Normalize(c.Addr())+" <key type> <base64 key>")}
}
