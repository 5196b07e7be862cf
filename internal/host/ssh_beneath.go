package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// sshBeneath is an SSH host with writes below root confined to real directories, as far as SFTP
// allows (see Beneath): every directory component between root and the path is checked with lstat
// before the change and again after it (WriteFile also checks before the rename), together with the
// server's realpath of the directory; a temp file, a write or a new directory found to have gone
// through a swapped component is removed again.
type sshBeneath struct {
	*SSHHost
	root string
}

var _ Host = sshBeneath{}

// Beneath confines changes only; reads behave exactly as on the SSH host, so the batched reads of
// *SSHHost (Lstat and ReadFile of each path, sent together) are promoted unchanged and check each
// path as the single calls do.
var _ BatchHost = sshBeneath{}

func (h *SSHHost) beneath(root string) Host { return sshBeneath{SSHHost: h, root: root} }

func (b sshBeneath) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode, owner Owner) error {
	const op = "write"
	if err := begin(ctx, op, p); err != nil {
		return err
	}
	return opErr(op, p, b.with(ctx, func(c *sshConn) error {
		return b.writeFile(ctx, c, b.root, p, data, mode, owner)
	}))
}

func (b sshBeneath) Mkdir(ctx context.Context, p string, mode fs.FileMode, owner Owner) (bool, error) {
	return b.mkdir(ctx, b.root, p, mode, owner)
}

func (b sshBeneath) SetAttr(ctx context.Context, p string, mode fs.FileMode, owner Owner) error {
	return b.setAttrPath(ctx, b.root, p, mode, owner)
}

func (b sshBeneath) Remove(ctx context.Context, p string) error {
	return b.remove(ctx, b.root, p)
}

// below reports whether dir lies strictly below root, so that its components are checked.
func below(root, dir string) bool {
	return root != "" && dir != root && Within(root, dir)
}

// checkBeneath lstats every component of dir below root: a symlink or a non-directory is a
// *BeneathError. A missing component ends the check (the caller's own checks report it). It returns
// the server's realpath of dir when the whole chain exists.
func (c *sshConn) checkBeneath(root, dir string) (string, error) {
	if !below(root, dir) {
		return "", nil
	}
	cur := root
	for _, el := range strings.Split(dir[len(root)+1:], "/") {
		cur = path.Join(cur, el)
		st, err := c.lstat(cur)
		switch {
		case err != nil:
			return "", err
		case st == nil:
			return "", nil
		case fileType(st.Mode) == typeSymlink:
			return "", &BeneathError{Root: root, Path: cur, Err: ErrSymlink}
		case fileType(st.Mode) != typeDir:
			return "", &BeneathError{Root: root, Path: cur, Err: ErrNotDir}
		}
	}
	real, err := c.sftp().RealPath(dir)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", dir, err)
	}
	return real, nil
}

// recheckBeneath runs after a change below root: it reports ErrPathChanged (in a *BeneathError)
// when a component of dir is no longer a real directory or dir now resolves elsewhere than want.
func (c *sshConn) recheckBeneath(root, dir, want string) error {
	if !below(root, dir) {
		return nil
	}
	got, err := c.checkBeneath(root, dir)
	var be *BeneathError
	if errors.As(err, &be) {
		return &BeneathError{Root: root, Path: be.Path, Err: ErrPathChanged}
	}
	if err != nil {
		return err
	}
	if got != want {
		return &BeneathError{Root: root, Path: dir, Err: ErrPathChanged}
	}
	return nil
}

// lsLong returns the output of `ls -ldn -- p` on the host: from the connection's lock helper (started
// on first use: one session for all queries and locks of the connection), or when it cannot run
// there, from the remote shell of a lock held on this connection, otherwise from a command session
// of its own.
func (c *sshConn) lsLong(ctx context.Context, h *SSHHost, p string) ([]byte, error) {
	var (
		out      string
		rc       int
		answered bool
	)
	if !strings.ContainsAny(p, "\n\r") {
		if lh := h.lockHelper(ctx, c); lh != nil {
			var err error
			if out, rc, err = lh.ls(p); err == nil {
				answered = true
			} else if c.lost(err) {
				return nil, err
			}
		}
	}
	if !answered {
		c.helpers.Range(func(k, _ any) bool {
			out, rc, answered = k.(*sshLock).lsQuery(p)
			return !answered
		})
	}
	if answered {
		if rc != 0 {
			return nil, fmt.Errorf("remote command exited with status %d: %s", rc, strings.TrimSpace(out))
		}
		return []byte(out), nil
	}
	cmd := "ls -ldn -- " + shellQuote(p)
	if h.cfg.Sudo {
		cmd = h.sudo + " " + cmd
	}
	stdout, _, err := c.run(ctx, c.execSem, cmd)
	return stdout, err
}

// checkLinksAndACL asks the host, with `ls -ldn`, how many hard links the regular file p has and
// whether it carries an ACL or another extended access control (GNU ls marks those with "+" after
// the mode; SFTP shows neither). It refuses the replacement of either.
func (h *SSHHost) checkLinksAndACL(ctx context.Context, c *sshConn, p string) error {
	out, err := c.lsLong(ctx, h, p)
	if err != nil {
		return fmt.Errorf("cannot check with `ls -ld` whether the file has other hard links or an ACL, which SFTP does not show, "+
			"so it is left unchanged (the login needs a shell that can run ls): %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 || len(fields[0]) < 10 {
		return fmt.Errorf("cannot read the output of `ls -ld` (%q) to check for other hard links and an ACL, so the file is left unchanged", strings.TrimSpace(string(out)))
	}
	links, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return fmt.Errorf("cannot read the link count in the output of `ls -ld` (%q), so the file is left unchanged", strings.TrimSpace(string(out)))
	}
	if links > 1 {
		return &HardLinkError{Path: p, Links: links}
	}
	if len(fields[0]) > 10 && fields[0][10] == '+' {
		return ErrACLOverSFTP
	}
	return nil
}
