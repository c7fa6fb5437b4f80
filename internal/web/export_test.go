package web

// Reads returns how many costly reads of the treaty database the
// dashboard has made (counter.reads).
func (d *Dashboard) Reads() int64 { return d.counts.reads.Load() }
