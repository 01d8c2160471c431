package synth

import (
	"math/rand/v2"
	"strings"
)

// Free text is sliced out of one pre-built buffer of service-desk prose: generating ~2,100
// characters word by word for every one of 100K+ comments would dominate the run time, and a
// substring shares the buffer's memory.

// words never contains a null sentinel (nan, null, n/a, ?, -), so no fragment can be one.
var words = strings.Fields(`
server servers host cluster node nodes instance instances backup backups restore snapshot
volume disk disks storage datastore memory cpu load latency network firewall router switch
vpn tunnel certificate certificates domain dns record records mailbox mail exchange tenant
user users account accounts password reset access group policy permission permissions role
application service services database databases replication query index job jobs schedule
patch patching update updates upgrade reboot restart restarted rebooted deployed deployment
release change rollback window maintenance outage incident alert alerts monitoring threshold
warning critical error errors timeout timeouts failed failure succeeded success completed
checked reviewed confirmed investigated escalated resolved closed opened raised logged noted
customer client team engineer vendor support ticket request requests issue issues problem
the a an and or but with without for from to of on in at by after before during while
is was were has have had will would should could can may might not no yes
please advise confirm attached below above as per our your their this that these those
again still now today tomorrow yesterday morning afternoon evening overnight weekend
high low normal slow fast intermittent persistent recurring resolved pending waiting
azure aws vmware hyperv nutanix linux windows kubernetes container containers pod pods
gateway proxy load-balancer endpoint api portal console dashboard report reports metric
metrics log logs trace agent agents script scripts configuration config setting settings
capacity usage utilisation space quota license licence renewal expiry expired renewed
security vulnerability scan scanned antivirus malware phishing quarantine blocked allowed
ssl tls port ports rule rules subnet address addresses route routes peering link links
site sites office remote onsite call called emailed replied update updated notified
`)

// textBuf is the shared prose buffer.
type textBuf struct{ s string }

// textBufSize comfortably exceeds the longest slice (maxCommentLen).
const textBufSize = 2 << 20

func newTextBuf(r *rand.Rand) *textBuf {
	var b strings.Builder
	b.Grow(textBufSize + 256)
	for b.Len() < textBufSize {
		n := 5 + r.IntN(14)
		for i := 0; i < n; i++ {
			w := oneOf(r, words)
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			switch {
			case i == n-1:
				b.WriteByte('.')
			case chance(r, 0.06):
				b.WriteByte(',')
			}
			if i < n-1 {
				b.WriteByte(' ')
			}
		}
		// Sentence separator: mostly a space, sometimes a line or paragraph break (never more
		// than two newlines, so every slice is canonical text).
		switch x := r.Float64(); {
		case x < 0.10:
			b.WriteByte('\n')
		case x < 0.18:
			b.WriteString("\n\n")
		default:
			b.WriteByte(' ')
		}
	}
	return &textBuf{s: b.String()}
}

// slice returns canonical text of about n bytes starting and ending on word boundaries.
func (tb *textBuf) slice(r *rand.Rand, n int) string {
	n = max(min(n, len(tb.s)/2), 1)
	start := r.IntN(len(tb.s) - n - 64)
	// Move to the start of a word.
	for start > 0 && !isSpace(tb.s[start-1]) {
		start++
	}
	end := start + n
	for end < len(tb.s) && !isSpace(tb.s[end]) {
		end++ // finish the last word
	}
	return strings.TrimSpace(tb.s[start:end])
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' }

// fragment returns 1..maxWords words on one line (no capital, no punctuation): what a
// continuation row or a garbage cell holds.
func fragment(r *rand.Rand, maxWords int) string { return wordsN(r, 1+r.IntN(maxWords)) }

// sentence returns a short capitalised phrase of lo..hi words (ticket titles).
func sentence(r *rand.Rand, lo, hi int) string {
	s := wordsN(r, lo+r.IntN(hi-lo+1))
	return strings.ToUpper(s[:1]) + s[1:]
}

func wordsN(r *rand.Rand, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = oneOf(r, words)
	}
	return strings.Join(parts, " ")
}
