package postgres

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// stealingPlan is a plan whose free workers always take over half of a running part's rest.
func stealingPlan(t *testing.T, parts int) *loadPlan {
	restore := SetSplit(parts, true)
	t.Cleanup(restore)
	return &loadPlan{newAcc: func(*loadTable) *reconcile.TableAcc {
		return reconcile.NewTableAcc([]string{"x"}, []contract.Type{contract.Integer})
	}}
}

// checkParts fails unless tab's parts cover lo..hi in order, each rowid once.
func checkParts(t *testing.T, tab *loadTable, lo, hi int64) {
	t.Helper()
	next := lo
	for _, p := range tab.parts {
		if p.lo != next || p.hi < p.lo-1 {
			t.Fatalf("part %d..%d after %d: the parts do not tile %d..%d", p.lo, p.hi, next-1, lo, hi)
		}
		next = p.hi + 1
	}
	if next != hi+1 {
		t.Fatalf("the parts end at %d, the table at %d", next-1, hi)
	}
}

// A worker with nothing left takes over the second half of the rest of the part expected to
// take longest; the part being cut short stops at the first rowid past its new end.
func TestPlanTakesOverTheRest(t *testing.T) {
	pl := stealingPlan(t, 1)
	tab := &loadTable{name: "t"}
	pl.add(tab, 1, 100)
	ctx := context.Background()
	p1 := pl.next(ctx)
	own1 := pl.own(p1)
	for rid := int64(1); rid <= 10; rid++ {
		if !own1(rid) {
			t.Fatalf("part 1 lost rowid %d before any other part", rid)
		}
	}
	p2 := pl.next(ctx) // 11..100 left: p1 keeps 11..55
	if p2 == nil || p2.lo != 56 || p2.hi != 100 || p1.hi != 55 {
		t.Fatalf("took over %+v, part 1 now ends at %d; want 56..100 and 55", p2, p1.hi)
	}
	own2 := pl.own(p2)
	for rid := int64(56); rid <= 60; rid++ {
		own2(rid)
	}
	for rid := int64(11); rid <= 55; rid++ {
		if !own1(rid) {
			t.Fatalf("part 1 lost rowid %d", rid)
		}
	}
	if own1(56) {
		t.Fatal("part 1 copied rowid 56, part 2's")
	}
	if pl.end(p1, 55, nil) != nil {
		t.Fatal("the table finished with a part still copying")
	}
	p3 := pl.next(ctx) // part 2 has 61..100 left
	if p3 == nil || p3.lo != 81 || p3.hi != 100 || p2.hi != 80 {
		t.Fatalf("took over %+v, part 2 now ends at %d; want 81..100 and 80", p3, p2.hi)
	}
	if pl.end(p2, 25, nil) != nil || pl.end(p3, 20, nil) != tab {
		t.Fatal("the table did not finish with its last part")
	}
	checkParts(t, tab, 1, 100)
	if pl.next(ctx) != nil {
		t.Fatal("a part after every part ended")
	}
}

// Workers copying (rowids with gaps, some tables empty) and taking over each other's rests
// at random moments copy every row exactly once, and each table finishes once, after its
// last part.
func TestPlanCopiesEachRowOnce(t *testing.T) {
	split := 0 // parts taken over, over all trials
	for trial := range 50 {
		pl := stealingPlan(t, 1+trial%3)
		var tabs []*loadTable
		for i, hi := range []int64{3000, 0, 90, 1} {
			tab := &loadTable{i: i, name: "t"}
			tabs = append(tabs, tab)
			if hi == 0 {
				pl.add(tab, 1, 0)
				continue
			}
			pl.add(tab, 1, hi*3)
		}
		var mu sync.Mutex
		seen := map[[2]int64]int{}
		finished := map[*loadTable]int{}
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(trial), uint64(w)))
				for p := pl.next(context.Background()); p != nil; p = pl.next(context.Background()) {
					own, n := pl.own(p), int64(0)
					pl.mu.Lock()
					lo, hi := p.lo, p.hi // the query's range, as copyPart reads it
					pl.mu.Unlock()
					for rid := lo + (3-lo%3)%3; rid <= hi; rid += 3 { // only multiples of 3 exist
						if !own(rid) {
							break
						}
						mu.Lock()
						seen[[2]int64{int64(p.tab.i), rid}]++
						mu.Unlock()
						n++
						if r.IntN(50) == 0 {
							runtime.Gosched()
						}
					}
					if tab := pl.end(p, n, nil); tab != nil {
						mu.Lock()
						finished[tab]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		for i, hi := range []int64{3000, 0, 90, 1} {
			for rid := int64(3); rid <= hi*3; rid += 3 {
				if c := seen[[2]int64{int64(i), rid}]; c != 1 {
					t.Fatalf("trial %d: table %d rowid %d copied %d times", trial, i, rid, c)
				}
			}
			if finished[tabs[i]] != 1 {
				t.Fatalf("trial %d: table %d finished %d times", trial, i, finished[tabs[i]])
			}
			if hi > 0 {
				checkParts(t, tabs[i], 1, hi*3)
			}
			var n int64
			for _, p := range tabs[i].parts {
				n += p.n
			}
			if n != hi {
				t.Fatalf("trial %d: table %d: its parts copied %d rows, it has %d", trial, i, n, hi)
			}
		}
		for _, tab := range tabs {
			split += len(tab.parts) - (1 + trial%3)
		}
		if len(seen) != 3000+90+1 {
			t.Fatalf("trial %d: %d rows copied, want %d", trial, len(seen), 3000+90+1)
		}
	}
	if split < 50 {
		t.Fatalf("only %d parts taken over in 50 trials: the test does not test taking over", split)
	}
	t.Logf("%d parts taken over", split)
}

// A table one of whose parts failed is never finished.
func TestPlanFailedPartFailsTheTable(t *testing.T) {
	pl := stealingPlan(t, 2)
	tab := &loadTable{name: "t"}
	pl.add(tab, 1, 10)
	p1, p2 := pl.next(context.Background()), pl.next(context.Background())
	if pl.end(p1, 0, context.Canceled) != nil || pl.end(p2, 5, nil) != nil {
		t.Fatal("a table finished though a part of it failed")
	}
}
