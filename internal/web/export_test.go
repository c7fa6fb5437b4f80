package web

// Reads returns how many costly reads of the treaty database the
// dashboard has made (counter.reads).
func (d *Dashboard) Reads() int64 { return d.counts.reads.Load() }

// SetMaxDownloadRows sets the bound on a download's rows, and returns
// the function that restores it.
func SetMaxDownloadRows(n int) func() {
	old := maxDownloadRows
	maxDownloadRows = n
	return func() { maxDownloadRows = old }
}
