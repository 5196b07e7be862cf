package host

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Pool shares SSH connections: one per distinct target (route, login, credentials, host keys and
// sudo; see SSHConfig) per process, used by every caller, and one per distinct bastion, shared by
// every target behind it. Concurrent callers of a target that is not connected yet wait for a
// single dial. A connection that died is dialled again by the next operation that needs it;
// host key, authentication, sudo and configuration errors are kept and returned without dialling
// again. It is safe for concurrent use.
type Pool struct {
	mu     sync.Mutex
	hosts  map[string]*SSHHost
	jumps  map[string]*jumpHost
	stats  dialStats
	closed bool
}

// PoolStats counts what a pool has done.
type PoolStats struct {
	// Targets is the number of distinct targets (hosts handed out, bastions not included).
	Targets int
	// Dials counts connection attempts (TCP connects or tunnels), retries and bastions included.
	Dials int64
	// Connections counts SSH connections established (handshake and login done), bastions and
	// reconnections included.
	Connections int64
}

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("the SSH connection pool is closed")

// NewPool returns an empty pool.
func NewPool() *Pool {
	return &Pool{hosts: map[string]*SSHHost{}, jumps: map[string]*jumpHost{}}
}

// Get returns the host for cfg (an *SSHHost), connected: the first call for a target dials (all
// concurrent callers share that dial), later calls return the same host and connection. An error
// is a configuration error, a host key or authentication failure (not retried, and returned again
// by later calls), or a network failure after bounded retries (the next call tries again).
func (p *Pool) Get(ctx context.Context, cfg SSHConfig) (Host, error) {
	h, err := p.get(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (p *Pool) get(ctx context.Context, cfg SSHConfig) (*SSHHost, error) {
	key := cfg.poolKey()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPoolClosed
	}
	h := p.hosts[key]
	p.mu.Unlock()
	if h == nil {
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		jump := p.jumpFor(cfg.Bastion)
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		if h = p.hosts[key]; h == nil {
			h = newSSHHost(cfg, jump, &p.stats)
			h.pooled = true
			p.hosts[key] = h
		}
		p.mu.Unlock()
	}
	if _, err := h.conn(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Stats reports the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	n := len(p.hosts)
	p.mu.Unlock()
	return PoolStats{Targets: n, Dials: p.stats.attempts.Load(), Connections: p.stats.established.Load()}
}

// Close closes every connection of the pool (held locks are released by the hosts when their
// connections end). Later Gets fail with ErrPoolClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	hosts, jumps := p.hosts, p.jumps
	p.hosts, p.jumps = map[string]*SSHHost{}, map[string]*jumpHost{}
	p.mu.Unlock()
	for _, h := range hosts {
		h.shutdown()
	}
	for _, j := range jumps {
		j.shutdown()
	}
	return nil
}

// jumpFor returns the dialler of the shared connection to bastion (nil for none).
func (p *Pool) jumpFor(bastion *SSHConfig) jumpFunc {
	if bastion == nil {
		return nil
	}
	cfg := *bastion
	inner := p.jumpFor(cfg.Bastion)
	key := cfg.poolKey()
	p.mu.Lock()
	defer p.mu.Unlock()
	j := p.jumps[key]
	if j == nil {
		j = &jumpHost{cfg: cfg, stats: &p.stats, jump: inner}
		p.jumps[key] = j
	}
	return j.client
}

// jumpHost is the shared connection to one bastion, dialled on demand and again after it died.
type jumpHost struct {
	cfg   SSHConfig
	stats *dialStats
	jump  jumpFunc

	mu      sync.Mutex
	cur     *liveClient
	call    *jumpCall
	permErr error
	closed  bool
}

type jumpCall struct {
	done chan struct{}
	lc   *liveClient
	err  error
}

func (j *jumpHost) client(ctx context.Context) (*ssh.Client, error) {
	j.mu.Lock()
	switch {
	case j.closed:
		j.mu.Unlock()
		return nil, ErrPoolClosed
	case j.cur != nil && j.cur.alive():
		c := j.cur.client
		j.mu.Unlock()
		return c, nil
	case j.permErr != nil:
		err := j.permErr
		j.mu.Unlock()
		return nil, err
	}
	call := j.call
	if call == nil {
		call = &jumpCall{done: make(chan struct{})}
		j.call = call
		go func(ctx context.Context) {
			lc, err := dialSSH(ctx, j.cfg, j.jump, j.stats)
			j.mu.Lock()
			j.call = nil
			switch {
			case err == nil && j.closed:
				lc.close()
				lc, err = nil, ErrPoolClosed
			case err == nil:
				j.cur = lc
			case permanent(err):
				j.permErr = err
			}
			j.mu.Unlock()
			call.lc, call.err = lc, err
			close(call.done)
		}(context.WithoutCancel(ctx))
	}
	j.mu.Unlock()
	select {
	case <-call.done:
		if call.err != nil {
			return nil, call.err
		}
		return call.lc.client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (j *jumpHost) shutdown() {
	j.mu.Lock()
	j.closed = true
	lc := j.cur
	j.cur = nil
	j.mu.Unlock()
	if lc != nil {
		lc.close()
	}
}
