package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The cast: the roster (whose comments define the scope), other staff (never on the roster, so
// their comments never touch a ticket), the automation account, and the customer accounts.

type person struct {
	name, email, user string
	id                int64
	roster            bool
}

type account struct {
	id                   int64
	name, client, selcom string
	internal             bool
}

type costCentre struct {
	id   int64
	desc string
}

// cast holds everything shared by the tables. It is read-only once built.
type cast struct {
	roster   []*person // exactly rosterSize
	staff    []*person // humans not on the roster
	auto     *person   // the automation account (not on the roster)
	accounts []*account
	acctCum  []float64 // Zipf-like weights: a few accounts raise most tickets
	internal *account  // the MSP itself (admin time)
	centres  []costCentre
}

const (
	rosterSize = 48
	staffSize  = 120
)

var firstNames = strings.Fields(`James Olivia Liam Charlotte Noah Amelia Jack Isla William Mia
Oliver Ava Thomas Grace Lucas Chloe Henry Sophie Ethan Emily Samuel Zoe Daniel Ruby Matthew Lily
Joshua Harper Ryan Ella Benjamin Hannah Alexander Sarah Nathan Jessica Michael Emma David Laura
Andrew Priya Raj Wei Mei Arjun Ananya Hiroshi Yuki Mohammed Fatima Luca Giulia Sean Aoife
Connor Maeve Patrick Niamh Tom Kate`)

var lastNames = strings.Fields(`Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin
White Anderson Walker Thompson Harris Lee Ryan Robinson Kelly King Davis Wright Evans Roberts
Green Hall Wood Jackson Clarke Patel Khan Singh Chen Wang Li Zhang Murphy O'Brien Campbell
Stewart Mitchell Young Scott Baker Adams Turner Hill Morris Cooper Ward Edwards Collins Bell
Russell Hughes Cook Murray Hunt Graham Reid Fraser Sullivan Gordon Kennedy Ross Watson Hamilton`)

var accountWords1 = strings.Fields(`Harbour Summit Redgum Coastal Southern Pacific Eastern Westfield
Bluegum Ironbark Wattle Sandstone Riverbank Highland Goldfields Outback Bayside Northern Capital
Granite Silverwater Kookaburra Jacaranda Banksia Meridian Horizon Pinnacle Keystone Acacia Lakeside`)

var accountWords2 = strings.Fields(`Logistics Health Mining Energy Legal Council Retail Finance
Insurance Education Freight Water Foods Engineering Property Telecom Agriculture Transport
Pharmacy Hospitality`)

func newCast(seed int64) *cast {
	r := newRand(seed, streamRoster)
	c := &cast{}
	usedName, usedUser, usedEmail, usedID := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[int64]bool{}
	newPerson := func(roster bool) *person {
		var first, last string
		for {
			first, last = oneOf(r, firstNames), oneOf(r, lastNames)
			if !usedName[first+" "+last] {
				break
			}
		}
		usedName[first+" "+last] = true
		letters := strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, last))
		// Usernames are unique case-insensitively across the roster and everyone else: a
		// staff member must never match a roster username.
		user := unique(usedUser, strings.ToLower(first[:1])+letters)
		email := unique(usedEmail, strings.ToLower(first)+"."+letters) + "@cloudops.example"
		var id int64
		for id == 0 || usedID[id] {
			id = 10000 + r.Int64N(90000)
		}
		usedID[id] = true
		return &person{name: first + " " + last, email: email, user: user, id: id, roster: roster}
	}
	for range rosterSize {
		c.roster = append(c.roster, newPerson(true))
	}
	for range staffSize {
		c.staff = append(c.staff, newPerson(false))
	}
	c.auto = &person{name: "ServiceDesk Automation", email: "automation@cloudops.example", user: "sd.automation", id: 1000}

	usedAcct := map[string]bool{}
	total := 0.0
	for i := 0; i < 150; i++ {
		var name string
		for name == "" || usedAcct[name] {
			name = oneOf(r, accountWords1) + " " + oneOf(r, accountWords2)
		}
		usedAcct[name] = true
		a := &account{id: 200000 + int64(i)*37 + r.Int64N(30), name: name, client: name + " Pty Ltd", selcom: fmt.Sprintf("SC%05d", 10000+r.IntN(89999))}
		c.accounts = append(c.accounts, a)
		total += 1 / math.Pow(float64(i+1), 0.9)
		c.acctCum = append(c.acctCum, total)
	}
	c.internal = &account{id: 199999, name: "CloudOps Internal", client: "CloudOps Pty Ltd", selcom: "SC00001", internal: true}
	for i, d := range []string{"Managed Services - Cloud", "Managed Services - Security", "Network Operations",
		"Professional Services", "Service Desk", "Internal - Administration", "Internal - Training", "Pre-Sales"} {
		c.centres = append(c.centres, costCentre{id: int64(4100 + 10*i), desc: d})
	}
	return c
}

func unique(used map[string]bool, base string) string {
	s := base
	for n := 2; used[s]; n++ {
		s = fmt.Sprintf("%s%d", base, n)
	}
	used[s] = true
	return s
}

func (c *cast) account(r *rand.Rand) *account {
	x := r.Float64() * c.acctCum[len(c.acctCum)-1]
	lo, hi := 0, len(c.acctCum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if c.acctCum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return c.accounts[lo]
}

// human returns a person who writes comments or logs time: a roster member with probability
// pRoster, otherwise other staff.
func (c *cast) human(r *rand.Rand, pRoster float64) *person {
	if chance(r, pRoster) {
		return oneOf(r, c.roster)
	}
	return oneOf(r, c.staff)
}

// Categorical vocabularies (SPEC section 2.2 and 7).
var (
	teamsSupport = newWeighted(
		"Cloud - BAU Support", 30, "Cloud - Infrastructure", 28, "Cloud - Security", 12,
		"Cloud - L3 Escalation", 10, "Pod - Phoenix", 6, "Pod - Atlas", 5, "Pod - Orion", 5, "Pod - Nova", 4)
	teamsAlert = newWeighted(
		"NOC", 55, "Cloud - Infrastructure", 30, "Cloud - Security", 10, "Cloud - BAU Support", 5)
	categories = newWeighted(
		"Support Tickets", 62, "Alert", 31, "PHI Support Tickets", 3, "Standard", 2, "Incident", 1.5, "Service Request", 0.5)
	statuses = newWeighted(
		"Closed", 46, "Resolved", 17, "Incident Resolved", 10, "Open", 10, "In Progress", 11, "Pending", 6)
	severities = newWeighted("P1", 3, "P2", 12, "P3", 50, "P4", 35)
	rootCauses = newWeighted(
		"Configuration", 18, "Capacity", 12, "Software Bug", 10, "Hardware Failure", 8, "User Error", 9,
		"Network", 8, "Third Party", 7, "Monitoring False Positive", 9, "Change Related", 5, "Patching", 5,
		"Security Event", 3, "Power", 2, "Unknown", 4)
	resolutionTypes = newWeighted(
		"Remote Fix", 40, "Configuration Change", 20, "No Fault Found", 12, "Workaround", 10, "Vendor Fix", 8,
		"Self Resolved", 10)
	sources     = newWeighted("Email", 35, "Portal", 25, "Phone", 12, "Chat", 8, "Monitoring", 20)
	siteClasses = newWeighted("Production", 70, "Non-Production", 22, "DR", 8)
	siteStatus  = newWeighted("Active", 97, "Decommissioned", 3)
	platforms   = newWeighted("AWS", 30, "Azure", 30, "VMware", 20, "Hyper-V", 5, "Nutanix", 5, "Microsoft 365", 8, "GCP", 2)
	groups      = newWeighted("Managed Cloud", 50, "Managed Security", 15, "Service Desk", 25, "Network Operations", 10)
	breachWhy   = newWeighted("Awaiting Customer", 30, "Vendor Delay", 20, "Resource Constraint", 25, "Complexity", 15, "Incorrect Priority", 10)
	mitigations = newWeighted("Customer Approved Extension", 50, "Major Incident", 30, "Change Freeze", 20)
	alertWhat   = newWeighted("High CPU", 20, "Low Disk Space", 20, "Memory Pressure", 10, "Service Down", 15,
		"Backup Failed", 15, "Certificate Expiry", 5, "Host Unreachable", 10, "High Latency", 5)
	tsCategories = newWeighted("Service Request", 30, "Incident", 25, "Alert", 20, "Support", 15, "Change", 7, "Problem", 3)
	billStates   = newWeighted("Billable", 55, "Contract", 35, "Non-Billable", 10)
	fonts        = []string{"Calibri", "Arial", "Segoe UI", "Tahoma", "Times New Roman", "Verdana"}
)
