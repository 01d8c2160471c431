package stage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
)

// outcome is what staging one row did to rows of earlier files with the same natural key.
type outcome uint8

const (
	inserted  outcome = iota // no earlier row has the key
	replaced                 // earlier rows with the key were replaced by this one
	unchanged                // one earlier row has the key and exactly these values: nothing written
)

// keySep joins the parts of a multi-column key; it cannot occur in a cleaned value.
const keySep = "\x1f"

// upserter finds rows that earlier files staged under the same canonical natural key.
// Rows of the file being imported never replace each other: duplicates within one export are
// the clean stage's to resolve (and to quarantine).
type upserter struct {
	t       *contract.Table
	norm    *values.Normalizer
	keyCols []int
	fileID  int
	active  bool // earlier files staged rows of this table
	find    *driverStmt
	del     *driverStmt
	old     []driver.Value
}

func newUpserter(ctx context.Context, tx *sql.Tx, t *contract.Table, norm *values.Normalizer, fileID int) (*upserter, error) {
	u := &upserter{t: t, norm: norm, fileID: fileID}
	for _, k := range t.Key {
		u.keyCols = append(u.keyCols, t.ColumnIndex(k))
	}
	tbl := store.Quote(TableName(t))
	if len(u.keyCols) > 0 {
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+tbl+")").Scan(&u.active); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// prepare prepares the statements existing runs on dc, the driver's connection.
func (u *upserter) prepare(ctx context.Context, dc any) error {
	if !u.active {
		return nil
	}
	tbl := store.Quote(TableName(u.t))
	cols := make([]string, len(u.t.Columns))
	for i, c := range u.t.Columns {
		cols[i] = store.Quote(c.Name)
	}
	var err error
	if u.find, err = prepareDriver(ctx, dc, fmt.Sprintf("SELECT %s FROM %s WHERE _key = ? AND _file_id <> ?", strings.Join(cols, ", "), tbl), 2); err != nil {
		return err
	}
	if u.del, err = prepareDriver(ctx, dc, "DELETE FROM "+tbl+" WHERE _key = ? AND _file_id <> ?", 2); err != nil {
		return err
	}
	u.old = make([]driver.Value, len(u.t.Columns))
	return nil
}

// key is the row's canonical natural key, or "" when a part is missing or does not convert
// (such a row is always inserted; the clean stage will quarantine it).
func (u *upserter) key(raw []string) string {
	if len(u.keyCols) == 0 {
		return ""
	}
	parts := make([]string, len(u.keyCols))
	for i, ci := range u.keyCols {
		c := u.t.Columns[ci]
		r, err := u.norm.NormalizeColumn(c, raw[ci])
		if err != nil || r.Null {
			return ""
		}
		parts[i] = r.Value
	}
	return strings.Join(parts, keySep)
}

// existing decides the row's outcome and deletes the earlier rows it replaces.
func (u *upserter) existing(ctx context.Context, key string, raw []string) (outcome, error) {
	if !u.active || key == "" {
		return inserted, nil
	}
	if err := u.find.set(key, u.fileID); err != nil {
		return 0, err
	}
	rows, err := u.find.query(ctx)
	if err != nil {
		return 0, err
	}
	n, same := 0, true
	for {
		err := rows.Next(u.old)
		if err == io.EOF {
			break
		}
		if err != nil {
			rows.Close()
			return 0, err
		}
		n++
		for i, v := range u.old {
			if text(v) != raw[i] {
				same = false
			}
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	switch {
	case n == 0:
		return inserted, nil
	case n == 1 && same:
		return unchanged, nil
	}
	if err := u.del.set(key, u.fileID); err != nil {
		return 0, err
	}
	if _, err := u.del.exec(ctx); err != nil {
		return 0, err
	}
	return replaced, nil
}

// text is a staged value as read from the driver (the columns are TEXT NOT NULL).
func text(v driver.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
