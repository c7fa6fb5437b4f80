package factsheet

import "accord/internal/treaty"

// LongDate writes a date as the fact sheets do: "1 September 2020".
func LongDate(d treaty.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format("2 January 2006")
}
