package host_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// The provider keeps one Pool for its lifetime and asks it for the host of each resource's ssh
// block; resources that name the same target share one connection.
func ExamplePool() {
	pool := host.NewPool()
	defer pool.Close()

	bastion := &host.SSHConfig{
		Host:       "bastion.example.com",
		User:       "jump",
		Agent:      true,
		KnownHosts: "bastion.example.com ssh-ed25519 AAAA...",
	}
	cfg := host.SSHConfig{
		Host:       "graph-1.internal",
		User:       "deploy",
		PrivateKey: os.Getenv("DEPLOY_KEY"),
		HostKey:    "ssh-ed25519 AAAA...",
		Sudo:       true,
		Timeout:    30 * time.Second,
		Bastion:    bastion,
	}
	if err := cfg.Validate(); err != nil { // at plan time, without connecting
		fmt.Println(err)
		return
	}
	h, err := pool.Get(context.Background(), cfg)
	if err != nil {
		fmt.Println(err) // *host.HostKeyError, *host.AuthError, *host.ConfigError or a network error
		return
	}
	if ssh, ok := h.(*host.SSHHost); ok {
		caps, _ := ssh.Capabilities(context.Background())
		for _, w := range caps.Warnings() {
			fmt.Println("warning:", w)
		}
	}
	_ = h.WriteFile(context.Background(), "/etc/neo4j/certificates/bolt/public.crt", []byte("..."), 0o644,
		host.Owner{User: "neo4j", Group: "neo4j"})
}
