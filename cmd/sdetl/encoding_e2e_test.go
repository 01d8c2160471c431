package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
)

// Issue 12: a Windows-1252 export (en dashes, curly quotes, é) and a UTF-16 one (Excel's
// "Unicode text") run unedited through spec init and run into PostgreSQL with every character
// intact; a file that is not text at all is refused in one line.
func TestEncodedExportsLoadIntact(t *testing.T) {
	want := [][]string{
		{"1", "Printer – jam", "Renée", "2025-03-04"},
		{"2", "“Outlook” won’t start", "Zoë", "2025-03-05"},
		{"3", "VPN — café wifi", "Bob", "2025-03-25"},
	}
	var text strings.Builder
	text.WriteString("Case Number,Title,Owner,Opened\r\n")
	for _, r := range want {
		text.WriteString(r[0] + "," + r[1] + "," + r[2] + "," + r[3] + "\r\n")
	}
	cp1252 := strings.NewReplacer("–", "\x96", "—", "\x97", "“", "\x93", "”", "\x94", "’", "\x92", "é", "\xe9", "ë", "\xeb").Replace(text.String())
	var u16 []byte
	for _, u := range utf16.Encode([]rune("\ufeff" + text.String() + "4,emoji 😀 ok,Ann,2025-03-26\r\n")) {
		u16 = append(u16, byte(u), byte(u>>8))
	}
	for _, tt := range []struct {
		name, enc string
		raw       []byte
		rows      [][]string
	}{
		{"windows-1252", "windows-1252", []byte(cp1252), want},
		{"utf-16", "utf-16", u16, append(append([][]string(nil), want...), []string{"4", "emoji 😀 ok", "Ann", "2025-03-26"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "cases.csv"), tt.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			specPath := filepath.Join(t.TempDir(), "s.yaml")
			mustSdetl(t, "spec", "init", "--from", filepath.Join(dir, "cases.csv"), "--out", specPath, "--name", "enc")
			s, err := contract.Load(specPath)
			if err != nil {
				t.Fatal(err)
			}
			if s.Tables[0].Encoding != tt.enc {
				t.Fatalf("drafted encoding %q, want %q", s.Tables[0].Encoding, tt.enc)
			}
			dsn := pgtest.DSN(t)
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			got := pgRows(t, conn, `SELECT "Case Number"::text, "Title", "Owner", "Opened"::text FROM enc.cases ORDER BY 1`)
			if d := cmp.Diff(tt.rows, got); d != "" {
				t.Errorf("loaded rows (-want +got):\n%s", d)
			}
			checkPGTypes(t, conn, map[string]string{})
			var ty string
			if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = 'enc' AND column_name = 'Opened'`).Scan(&ty); err != nil || ty != "date" {
				t.Errorf("Opened is %q (%v), want date", ty, err)
			}
		})
	}
	t.Run("not text", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "cases.csv")
		if err := os.WriteFile(p, []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := sdetl(t, "spec", "init", "--from", p)
		if code != exitError || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "not a text file: it is a ZIP archive") || strings.Count(errs, "sdetl:") != 1 {
			t.Errorf("exit %d, stderr %q; want exit 1 and one line saying it is not text", code, errs)
		}
	})
}

// pgRows runs q and returns every row as text.
func pgRows(t *testing.T, conn *pgx.Conn, q string) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				r[i] = "NULL"
			} else {
				r[i] = v.(string)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
