//go:build linux

package host

import (
	"encoding/binary"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A waiter for a local lock does not poll. flock(2) with LOCK_EX would block in the kernel, but
// a blocked flock cannot be interrupted from Go (the runtime's signal handlers restart it), so a
// waiter that timed out or was cancelled would leave a thread behind that takes the lock whenever
// it comes free. Instead, waiters watch the lock file with inotify: a lock is released by closing
// the last descriptor that holds it (Unlock, the SSH host's remote flock ending, a dead process)
// or by LOCK_UN, which our holders follow with a close, and inotify reports every close. A waiter
// tries LOCK_NB, and when the lock is held, sleeps until the file is closed or modified somewhere,
// its timeout, its context, or lockRecheck, whichever comes first, then tries again. lockRecheck
// covers a release that no event announces (a foreign program that unlocks without closing) and
// hosts where inotify is unavailable.
const lockRecheck = time.Second

// lockEvents is what wakes a waiter: a close of the file (of a descriptor opened for writing or
// not), a write to it (the holder's record, or Unlock emptying it), or its removal.
const lockEvents = unix.IN_CLOSE_WRITE | unix.IN_CLOSE_NOWRITE | unix.IN_MODIFY | unix.IN_ATTRIB |
	unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

// lockWatcher is the process's one inotify instance for lock files (the number of instances per
// user is small, 128 by default, and hundreds of goroutines may wait at once), with one goroutine
// that reads its events and wakes the waiters of the file each event concerns. It holds no thread
// while nothing happens: the descriptor is read through the runtime's poller.
type lockWatcher struct {
	once sync.Once
	f    *os.File // nil when inotify is unavailable
	mu   sync.Mutex
	byWd map[int32]*lockWatch
}

// lockWatch is the watch of one lock file (one inode), shared by the waiters on it.
type lockWatch struct {
	wd   int32
	refs int
	// ch is closed when an event arrives for the file, and replaced by a fresh one.
	ch chan struct{}
}

var lockWatches lockWatcher

func (w *lockWatcher) start() {
	w.once.Do(func() {
		fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		if err != nil {
			return
		}
		// Non-blocking, so os.NewFile registers it with the poller: a Read parks the goroutine.
		w.f = os.NewFile(uintptr(fd), "inotify")
		w.byWd = map[int32]*lockWatch{}
		go w.read()
	})
}

// read wakes the waiters of every file that events arrive for. It runs as long as the process.
func (w *lockWatcher) read() {
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			w.mu.Lock()
			for _, lw := range w.byWd {
				close(lw.ch)
				lw.ch = make(chan struct{})
			}
			w.mu.Unlock()
			return // waiters go on with lockRecheck
		}
		w.mu.Lock()
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:])) //nolint:gosec // the kernel's int wd, as its bits
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			off += unix.SizeofInotifyEvent + nameLen
			if lw := w.byWd[wd]; lw != nil {
				close(lw.ch)
				lw.ch = make(chan struct{})
			}
		}
		w.mu.Unlock()
	}
}

// watch starts (or joins) the watch of the file open at fd, or returns nil when inotify cannot
// watch it; release must follow.
func (w *lockWatcher) watch(fd int) *lockWatch {
	w.start()
	if w.f == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Through /proc, the watch is on the inode fd has open, whatever the path names by now.
	wd, err := unix.InotifyAddWatch(int(w.f.Fd()), "/proc/self/fd/"+strconv.Itoa(fd), lockEvents)
	if err != nil {
		return nil
	}
	key := int32(wd) //nolint:gosec // a watch descriptor: a small non-negative int32 in the kernel
	lw := w.byWd[key]
	if lw == nil {
		lw = &lockWatch{wd: key, ch: make(chan struct{})}
		w.byWd[key] = lw
	}
	lw.refs++
	return lw
}

// changed returns the channel closed at the next event for lw's file. Take it before trying the
// lock, so that a release between the try and the wait is not missed.
func (w *lockWatcher) changed(lw *lockWatch) <-chan struct{} {
	if lw == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return lw.ch
}

// release ends a waiter's use of lw, and the watch with its last waiter.
func (w *lockWatcher) release(lw *lockWatch) {
	if lw == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if lw.refs--; lw.refs == 0 {
		delete(w.byWd, lw.wd)
		_, _ = unix.InotifyRmWatch(int(w.f.Fd()), uint32(lw.wd)) //nolint:gosec // non-negative, from InotifyAddWatch
	}
}

// watching returns the number of lock files being watched (tests).
func (w *lockWatcher) watching() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.byWd)
}
