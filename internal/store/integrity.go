package store

import (
	"context"
	"fmt"
)

// IntegrityCheck runs SQLite's PRAGMA integrity_check on a store opened read-only and returns
// its first line: "ok" when the file is sound. Opening read-only means a check never repairs,
// rolls back or otherwise changes what it judges.
func IntegrityCheck(ctx context.Context, path string) (string, error) {
	db, err := OpenReadOnly(path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&res); err != nil {
		return "", fmt.Errorf("integrity_check %s: %w", path, err)
	}
	return res, nil
}
