package postgres

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestDDLGolden: the target schema generated from the ServiceDesk contract; a change to it is
// a change dashboards see, so it shows in review as a diff of testdata/servicedesk.sql.
func TestDDLGolden(t *testing.T) {
	got := DDL(contract.ServiceDesk())
	const golden = "testdata/servicedesk.sql"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("DDL changed (-golden +got); run go test ./internal/postgres -update if intended:\n%s", d)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"host=db password=s3cret user=a":              "host=db password=xxxxx user=a",
		"host=db password='s e c' user=a":             "host=db password=xxxxx user=a",
		"postgres://u:s3cret@db:5432/x?sslmode=false": "postgres://u:xxxxx@db:5432/x?sslmode=false",
		"postgres://db/x?password=s3cret":             "postgres://db/x?password=xxxxx",
		"host=db user=a":                              "host=db user=a",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
