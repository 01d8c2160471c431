// Command sdetl lands a service desk's spreadsheet exports (tickets, comments, timesheets) in
// PostgreSQL, typed, checked and reconciled. Run `sdetl help` for the subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
