package host

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// The files that name users and groups on a host, as glibc's "files" NSS source reads them
// (nsswitch.conf(5), passwd(5), group(5)).
var entPaths = [3]string{"/etc/nsswitch.conf", "/etc/passwd", "/etc/group"}

// entFiles is what /etc/passwd and /etc/group say, for the databases whose lookups consult the
// files first. Index 0 is passwd (users), 1 is group.
type entFiles struct {
	usable [2]bool
	byName [2]map[string]int
	byID   [2]map[int]string
}

// id returns the id of the user (group=false) or group name, when the files have it.
func (e *entFiles) id(group bool, name string) (int, bool) {
	i := dbIndex(group)
	if !e.usable[i] {
		return 0, false
	}
	id, ok := e.byName[i][name]
	return id, ok
}

// name returns the name of the user or group id, when the files have it.
func (e *entFiles) name(group bool, id int) (string, bool) {
	i := dbIndex(group)
	if !e.usable[i] {
		return "", false
	}
	n, ok := e.byID[i][id]
	return n, ok
}

func dbIndex(group bool) int {
	if group {
		return 1
	}
	return 0
}

// entFiles reads the host's nsswitch.conf, passwd and group over SFTP (the three at once), once per
// connection: when the connection is made (see connect), and every later call waits for that read
// and returns its result, so paths must be the host's entPaths. A database is used only when its file could be read
// and nsswitch.conf lists "files" (or "compat") as its first source, or does not mention it (the C
// library then reads the files first too); otherwise, and for anything the files do not name,
// lookups fall back to getent, which asks every source in the host's order.
func (c *sshConn) entFiles(paths [3]string) *entFiles {
	c.entOnce.Do(func() {
		var (
			data [3][]byte
			errs [3]error
			wg   sync.WaitGroup
		)
		for i, p := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data[i], errs[i] = c.readSmallFile(p, entFileMax)
			}()
		}
		wg.Wait()
		e := &entFiles{}
		for i, db := range []string{"passwd", "group"} {
			switch {
			case errs[1+i] != nil:
				continue
			case errs[0] == nil:
				if !filesFirst(string(data[0]), db) {
					continue
				}
			case !errors.Is(errs[0], fs.ErrNotExist):
				continue // an nsswitch.conf that cannot be read may say anything
			}
			e.usable[i] = true
			e.byName[i], e.byID[i] = parseEntFile(string(data[1+i]))
		}
		c.ent = e
	})
	return c.ent
}

// entFileMax bounds what is read of the user and group files: a host with more users than that
// holds (some hundred thousand) asks getent for the few it needs instead.
const entFileMax = 8 << 20

// readSmallFile is readFile of a file no larger than max bytes; a larger one is an error, unread.
func (c *sshConn) readSmallFile(p string, max uint64) ([]byte, error) {
	st, err := c.lstatRegular(p)
	if err != nil {
		return nil, err
	}
	if st.Size > max {
		return nil, fmt.Errorf("%s has %d bytes, more than the %d read for names", p, st.Size, max)
	}
	return c.readLstated(p, st)
}

// filesFirst reports whether nsswitch.conf (its content conf) has the C library look db up in the
// files before any other source: its line lists "files" or "compat" first, or there is no line.
func filesFirst(conf, db string) bool {
	for line := range strings.SplitSeq(conf, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		name, sources, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != db {
			continue
		}
		for _, src := range strings.Fields(sources) {
			if strings.HasPrefix(src, "[") {
				continue // an action such as [NOTFOUND=return], not a source
			}
			return src == "files" || src == "compat"
		}
		return false // a line without sources: nothing is consulted as expected
	}
	return true
}

// parseEntFile reads passwd(5) or group(5) lines, "name:password:id:...", into name -> id and id ->
// name. The first line for a name or an id wins, as in the C library's lookups. Comments, blank and
// malformed lines, and the "+"/"-" lines of the compat format (entries from NIS) are skipped.
func parseEntFile(content string) (map[string]int, map[int]string) {
	byName, byID := map[string]int{}, map[int]string{}
	for line := range strings.SplitSeq(content, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 || f[0] == "" {
			continue
		}
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil || id == 1<<32-1 {
			continue
		}
		if _, ok := byName[f[0]]; !ok {
			byName[f[0]] = int(id)
		}
		if _, ok := byID[int(id)]; !ok {
			byID[int(id)] = f[0]
		}
	}
	return byName, byID
}
