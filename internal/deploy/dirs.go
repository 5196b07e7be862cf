package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	posix "path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// AdoptedDir is an existing directory's mode and owner before a policy first managed it; destroy
// gives them back. Its JSON form is kept in the policy's private state.
type AdoptedDir struct {
	Mode uint32 `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
}

// DirTree is a policy's directories on a host: Dirs, each below Home, with every directory between
// Home and them.
type DirTree struct {
	Host host.Host
	Home string
	Dirs []string
	Log  Logger
}

// ChainBelow lists the directories from just below home down to dir.
func ChainBelow(home, dir string) []string {
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, home), "/")
	if rel == "" {
		return nil
	}
	var out []string
	cur := home
	for _, el := range strings.Split(rel, "/") {
		cur = posix.Join(cur, el)
		out = append(out, cur)
	}
	return out
}

// CheckChain refuses a managed directory, or any directory between home and it, that is a symlink or
// not a directory. It returns "" when the chain is safe, else what is wrong and what to do. The
// chain is inspected in one batch (host.LstatAll) and judged from home down, as a walk would: the
// first missing directory ends it.
func CheckChain(ctx context.Context, h host.Host, home, dir string) string {
	chain := ChainBelow(home, dir)
	infos, errs := host.LstatAll(ctx, h, chain)
	for i, p := range chain {
		info, err := infos[i], errs[i]
		switch {
		case err != nil:
			return fmt.Sprintf("Cannot inspect %s on %s: %s.", p, h.ID(), err)
		case !info.Exists:
			return ""
		case info.IsSymlink:
			return fmt.Sprintf("%s on %s is a symbolic link. The provider never writes through a symlink at a managed path, since it could lead outside neo4j_home. "+
				"Replace the link with a real directory, or point base_directory at the real location inside neo4j_home.", p, h.ID())
		case !info.IsDir:
			return fmt.Sprintf("%s on %s exists but is not a directory. Move it away, or choose another base_directory.", p, h.ID())
		}
	}
	return ""
}

// DirChange is what one Ensure did: the directories it created and the existing ones it managed
// for the first time (with their mode and owner before).
type DirChange struct {
	Created []string
	Adopted map[string]AdoptedDir
}

// Ensure creates every missing directory of the tree (and the directories on the way to it) with
// mode and owner, and repairs the mode and owner of the managed ones that exist. created and adopted
// are what earlier applies created and adopted; a directory in neither that exists already is
// adopted now. On error, what this call created is removed and what it adopted restored, and the
// returned change is empty.
func (t DirTree) Ensure(ctx context.Context, mode fs.FileMode, owner host.Owner, created []string, adopted map[string]AdoptedDir) (DirChange, error) {
	start := time.Now()
	ch := DirChange{Adopted: map[string]AdoptedDir{}}
	var err error
	for _, dir := range t.Dirs {
		for _, c := range ChainBelow(t.Home, dir) {
			managed := slices.Contains(t.Dirs, c)
			var info host.Info
			info, err = t.Host.Lstat(ctx, c)
			if err != nil {
				break
			}
			if info.Exists && !managed {
				continue
			}
			_, known := adopted[c]
			_, seen := ch.Adopted[c]
			if info.Exists && !known && !seen && !slices.Contains(created, c) && !slices.Contains(ch.Created, c) {
				// A directory that was there before: its mode and owner now, for destroy (and for undo).
				ch.Adopted[c] = AdoptedDir{Mode: uint32(info.Mode), UID: info.UID, GID: info.GID}
			}
			var made bool
			made, err = t.Host.Mkdir(ctx, c, mode, owner)
			if err != nil {
				break
			}
			if made {
				ch.Created = append(ch.Created, c)
			}
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		t.Rollback(ctx, ch)
		return DirChange{}, err
	}
	debug(ctx, t.Log, "policy directories ensured", map[string]any{"host": t.Host.ID(), "directories": t.Dirs,
		"created": ch.Created, "adopted": slices.Sorted(maps.Keys(ch.Adopted)), "duration": since(start)})
	return ch, nil
}

// Rollback leaves the host as it was before the Ensure that returned ch: what it created is
// removed, deepest first, and what it adopted gets its mode and owner back.
func (t DirTree) Rollback(ctx context.Context, ch DirChange) {
	for i := len(ch.Created) - 1; i >= 0; i-- {
		_ = t.Host.Remove(ctx, ch.Created[i])
	}
	RestoreAdopted(ctx, t.Host, ch.Adopted)
}

// RestoreError says that an adopted directory could not get its mode and owner back.
type RestoreError struct {
	Dir string
	Was AdoptedDir
	Err error
}

func (e *RestoreError) Error() string {
	return fmt.Sprintf("restoring %s to mode %04o and owner %d:%d: %s", e.Dir, e.Was.Mode, e.Was.UID, e.Was.GID, e.Err)
}
func (e *RestoreError) Unwrap() error { return e.Err }

// RestoreAdopted gives adopted directories back the mode and owner they had before the policy
// managed them; a directory that is gone or no longer a directory is left alone. It returns a
// *RestoreError per directory it could not restore.
func RestoreAdopted(ctx context.Context, h host.Host, adopted map[string]AdoptedDir) []*RestoreError {
	var out []*RestoreError
	for _, d := range slices.Sorted(maps.Keys(adopted)) {
		a := adopted[d]
		info, err := h.Lstat(ctx, d)
		if err != nil || !info.Exists || !info.IsDir || info.IsSymlink {
			continue
		}
		if info.Mode == fs.FileMode(a.Mode) && info.UID == a.UID && info.GID == a.GID {
			continue
		}
		if err := h.SetAttr(ctx, d, fs.FileMode(a.Mode), host.Owner{User: strconv.Itoa(a.UID), Group: strconv.Itoa(a.GID)}); err != nil {
			out = append(out, &RestoreError{Dir: d, Was: a, Err: err})
		}
	}
	return out
}

// Record adds the existing directories of the tree to adopted, as they are now (an import adopts
// what it finds). adopted itself is not changed. The directories are inspected in one batch.
func (t DirTree) Record(ctx context.Context, adopted map[string]AdoptedDir) map[string]AdoptedDir {
	out := maps.Clone(adopted)
	if out == nil {
		out = map[string]AdoptedDir{}
	}
	var todo []string
	for _, dir := range t.Dirs {
		if _, ok := out[dir]; !ok {
			todo = append(todo, dir)
		}
	}
	t.Dirs = todo
	for _, o := range t.Observe(ctx) {
		if info := o.Info; o.Err == nil && info.Exists && info.IsDir && !info.IsSymlink {
			out[o.Path] = AdoptedDir{Mode: uint32(info.Mode), UID: info.UID, GID: info.GID}
		}
	}
	return out
}

// Foreign returns the managed directories that exist with another mode or owner than mode and
// owner (uid, gid; -1 for either means "any") and that skip does not exclude (the ones this policy
// created or adopted before): taking them over changes something the policy did not make. The
// directories are inspected in one batch.
func (t DirTree) Foreign(ctx context.Context, mode fs.FileMode, uid, gid int, skip func(dir string) bool) []host.Info {
	var dirs []string
	for _, dir := range t.Dirs {
		if !skip(dir) {
			dirs = append(dirs, dir)
		}
	}
	infos, errs := host.LstatAll(ctx, t.Host, dirs)
	var out []host.Info
	for i, info := range infos {
		if errs[i] != nil || !info.Exists || !info.IsDir || info.IsSymlink {
			continue // a missing directory is created; what else is wrong is reported by CheckChain
		}
		if info.Mode == mode && (uid < 0 || info.UID == uid) && (gid < 0 || info.GID == gid) {
			continue
		}
		out = append(out, info)
	}
	return out
}

// Observed is one path as the host has it now; Err is set when it could not be inspected.
type Observed struct {
	Path string
	Info host.Info
	Err  error
}

// Observe reports each managed directory as the host has it now, in the tree's order. The lstats go
// out together (host.LstatAll): over SSH one round trip for the whole tree, not one per directory.
func (t DirTree) Observe(ctx context.Context) []Observed {
	infos, errs := host.LstatAll(ctx, t.Host, t.Dirs)
	out := make([]Observed, len(t.Dirs))
	for i, d := range t.Dirs {
		out[i] = Observed{Path: d, Info: infos[i], Err: errs[i]}
	}
	return out
}

// LeftReason says why Remove left a directory in place.
type LeftReason int

const (
	// LeftPreexisting: the directory was there before the policy (or was imported).
	LeftPreexisting LeftReason = iota
	// LeftNotEmpty: the directory holds files the policy did not write (Names).
	LeftNotEmpty
	// LeftError: removing it failed (Err).
	LeftError
)

// Left is a directory Remove left in place, and why.
type Left struct {
	Dir    string
	Reason LeftReason
	Names  []string
	Err    error
}

// Remove removes the tree's directories (deepest first) and the parents in created, each only when
// empty and only when it is in created. Everything else stays and is reported.
func (t DirTree) Remove(ctx context.Context, created []string) []Left {
	start := time.Now()
	var left []Left
	all := slices.Clone(created)
	for _, d := range t.Dirs {
		if !slices.Contains(all, d) {
			all = append(all, d)
		}
	}
	// Deepest first.
	slices.SortStableFunc(all, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	var removed []string
	for _, d := range all {
		if !slices.Contains(created, d) {
			left = append(left, Left{Dir: d, Reason: LeftPreexisting})
			continue
		}
		RemoveStaleTempsIn(ctx, t.Host, d) // a write killed earlier may have left one
		err := t.Host.Remove(ctx, d)
		switch {
		case err == nil:
			removed = append(removed, d)
		case errors.Is(err, host.ErrNotEmpty):
			names, _ := t.Host.ReadDir(ctx, d)
			left = append(left, Left{Dir: d, Reason: LeftNotEmpty, Names: names})
		default:
			left = append(left, Left{Dir: d, Reason: LeftError, Err: err})
		}
	}
	debug(ctx, t.Log, "policy directories removed", map[string]any{"host": t.Host.ID(), "removed": removed, "left": len(left), "duration": since(start)})
	return left
}
