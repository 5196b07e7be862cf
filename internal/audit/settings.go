package audit

import (
	"net"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// settings is neo4j.conf as Neo4j resolves it: the last line of a key wins (java.util.Properties),
// and an absent key has the catalogue's default for the version.
type settings struct {
	v     neo4j.Version
	all   []neo4j.Setting
	last  map[string]neo4j.Setting
	count map[string]int
}

func newSettings(c *neo4j.Conf, v neo4j.Version) *settings {
	s := &settings{v: v, all: c.Settings(), last: map[string]neo4j.Setting{}, count: map[string]int{}}
	for _, e := range s.all {
		s.last[e.Key] = e
		s.count[e.Key]++
	}
	return s
}

// value is one resolved setting.
type value struct {
	Name  string // the key in this version
	Value string
	Line  int  // 0 when it is Neo4j's default
	Set   bool // a line sets it
	Known bool // a line sets it or Neo4j has a default
}

// get resolves a catalogue setting; x names the scope or policy for <scope>/<policy> names.
func (s *settings) get(id neo4j.SettingID, x string) value {
	name := neo4j.NameOf(id, s.v, x)
	if name == "" {
		return value{}
	}
	if e, ok := s.last[name]; ok {
		return value{Name: name, Value: strings.Trim(e.Value, " \t"), Line: e.Line, Set: true, Known: true}
	}
	d, ok := neo4j.DefaultOf(id, s.v, x)
	return value{Name: name, Value: d, Known: ok}
}

// raw resolves a key that is not in the catalogue (a 3.5 policy's base_directory has no default).
func (s *settings) raw(name string) value {
	if e, ok := s.last[name]; ok {
		return value{Name: name, Value: strings.Trim(e.Value, " \t"), Line: e.Line, Set: true, Known: true}
	}
	return value{Name: name}
}

func (v value) isTrue() bool { return strings.EqualFold(v.Value, "true") }

// effective lists the resolved values of the settings the audit reads.
func (s *settings) effective() map[string]string {
	out := map[string]string{}
	put := func(v value) {
		if v.Name != "" && v.Known {
			out[v.Name] = v.Value
		}
	}
	for _, id := range neo4j.AuditSettings {
		ch := strings.TrimSuffix(string(id), ".binding")
		if ch != string(id) {
			put(s.get(id, ch))
			continue
		}
		put(s.get(id, ""))
	}
	for _, e := range s.all {
		if e.Key == neo4j.NameOf(neo4j.SettingJVMAdditional, s.v, "") && strings.Contains(e.Value, "jmxremote") {
			out[e.Key] = joinNonEmpty(out[e.Key], e.Value)
		}
	}
	return out
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// listenHost returns the host part of a listen address ("host:port", ":port", "host", "[v6]:port"),
// taking the default listen address's host when the address has none.
func (s *settings) listenHost(addr string) string {
	h := hostPart(addr)
	if h == "" {
		h = hostPart(s.get(neo4j.SettingDefaultListen, "").Value)
	}
	if h == "" {
		h = "localhost"
	}
	return h
}

func hostPart(addr string) string {
	addr = strings.TrimSpace(addr)
	if strings.HasPrefix(addr, "[") {
		if i := strings.Index(addr, "]"); i > 0 {
			return addr[1:i]
		}
		return addr
	}
	if strings.Count(addr, ":") > 1 { // a bare IPv6 address
		return addr
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// isLoopback reports whether a listen host accepts connections from this machine only.
func isLoopback(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
