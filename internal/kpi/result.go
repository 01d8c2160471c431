package kpi

// Row is one row of a KPI's answer: its label columns (NULL as "") and its value columns
// (nil = NULL), each value rounded to 2 decimals.
type Row struct {
	Labels []string   `json:"labels,omitempty"`
	Values []*float64 `json:"values"`
}

// Result is a KPI's answer.
type Result struct {
	ID      int      `json:"id"`
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Tier    string   `json:"tier"`
	Unit    string   `json:"unit,omitempty"`
	Columns []string `json:"columns"` // label columns, then value columns
	Rows    []Row    `json:"rows"`
	// Value is a scalar KPI's first value (nil when NULL or not available).
	Value  *float64 `json:"value"`
	Status Status   `json:"status"`
	// Available is false for a comment_quality KPI while the table is empty.
	Available bool `json:"available"`
	// Millis is how long the query took (0 in the truth).
	Millis float64 `json:"ms,omitempty"`
}

// Finish fills a Result's Value, Status and Available from its rows; qualityRows is the number
// of comment_quality rows.
func (d *Def) Finish(r *Result, qualityRows int64) {
	r.ID, r.Name, r.Title, r.Tier, r.Unit = d.ID, d.Name, d.Title, d.Tier, d.Unit
	r.Available = !d.Quality || qualityRows > 0 || d.ID == 22
	if d.Scalar() && len(r.Rows) == 1 && len(r.Rows[0].Values) > 0 {
		r.Value = r.Rows[0].Values[0]
	}
	if !r.Available {
		r.Value, r.Status = nil, NotAvailable
		return
	}
	r.Status = d.judge(r)
}

// judge returns the worst status over the rows' judged column(s); None when nothing is judged.
func (d *Def) judge(r *Result) Status {
	if d.RAG == nil {
		return None
	}
	worst := None
	rank := map[Status]int{None: 0, Green: 1, Amber: 2, Red: 3}
	for _, row := range r.Rows {
		for j, v := range row.Values {
			col := r.Columns[d.Labels+j]
			if v == nil || (d.RAG.Column != "*" && col != d.RAG.Column) {
				continue
			}
			if s := d.RAG.Judge(*v); rank[s] > rank[worst] {
				worst = s
			}
		}
	}
	return worst
}

// Values flattens the scalar KPIs into stable names: "sla_compliance" for a one-value KPI,
// "summary.tickets" (KPI name, dot, column) for a KPI of several values. nil = NULL or not
// available. These are truth.json's kpis.values and the Prometheus gauges.
func Values(rs []Result) map[string]*float64 {
	out := map[string]*float64{}
	for _, r := range rs {
		d, ok := ByName(r.Name)
		if !ok || !d.Scalar() || len(r.Rows) != 1 {
			continue
		}
		vals := r.Columns[d.Labels:]
		for j, v := range r.Rows[0].Values {
			name := r.Name
			if len(vals) > 1 {
				name += "." + vals[j]
			}
			if !r.Available {
				v = nil
			}
			out[name] = v
		}
	}
	return out
}

// Tables returns the table KPIs' rows by name (labels and values), and the label columns of
// scalar KPIs that have some (KPI 23's period); truth.json's kpis.tables.
func Tables(rs []Result) map[string][]Row {
	out := map[string][]Row{}
	for _, r := range rs {
		d, ok := ByName(r.Name)
		if !ok || d.Labels == 0 {
			continue
		}
		rows := r.Rows
		if rows == nil || !r.Available {
			rows = []Row{}
		}
		out[r.Name] = rows
	}
	return out
}

// Num returns a pointer to v, for building rows.
func Num(v float64) *float64 { return &v }

// Truth is what truth.json holds under "kpis": the value of every scalar KPI and the rows of
// every table KPI, computed by the generator from its model.
type Truth struct {
	Params Params              `json:"params"`
	Values map[string]*float64 `json:"values"`
	Tables map[string][]Row    `json:"tables"`
}
