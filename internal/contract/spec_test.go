package contract

import "testing"

func TestServiceDeskContract(t *testing.T) {
	s := ServiceDesk()
	want := map[string]int{"tickets": 60, "comments": 10, "timesheets": 21, "roster": 3}
	for name, n := range want {
		tb := s.Table(name)
		if tb == nil {
			t.Fatalf("table %s missing", name)
		}
		if len(tb.Columns) != n {
			t.Errorf("%s: %d columns, want %d", name, len(tb.Columns), n)
		}
	}
	if got := s.Table("comments").Derived[0].Name; got != "customer_facing" {
		t.Errorf("derived = %q", got)
	}
	for _, k := range s.Table("timesheets").Key {
		if !s.Table("timesheets").Column(k).Required {
			t.Errorf("key column %s not required", k)
		}
	}
}

func TestMatchHeadersDialects(t *testing.T) {
	tb := ServiceDesk().Table("comments")
	legacy := []string{"\ufeffCT-COMMENT-ID", "CT-TKT-ID", "CT-COMMENT", "CT-USERID", "CT-USERIDNAME", "CT-OWNERTYPE", "CT-DATEAMDTIME", "CT-VISIBLE-CUSTOMER", "CT-TYPE", "CT-TKT-TEAM", "Extra"}
	m, err := tb.MatchHeaders(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if tb.DialectName(m) != "legacy" || len(m.Extra) != 1 || m.Extra[0] != 10 {
		t.Errorf("dialect %q extra %v", tb.DialectName(m), m.Extra)
	}
	newer := []string{"TKTCT-Team", "TKTCT-Type", "TKTCT-VisibleCustomer", "TKTCT-Created Time", "TKTCT-OwnerType", "TKTCT-Username", "TKTCT-UserID", "TKTCT-Comment", "TKTCT-TicketID", "TKTCT-CommentID"}
	m, err = tb.MatchHeaders(newer)
	if err != nil {
		t.Fatal(err)
	}
	if tb.DialectName(m) != "2026" || m.Source[0] != 9 {
		t.Errorf("dialect %q source %v", tb.DialectName(m), m.Source)
	}
	if _, err := tb.MatchHeaders(newer[1:]); err == nil {
		t.Error("missing column accepted")
	}
}
