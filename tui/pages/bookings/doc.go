// Package bookings is the bookings list, the secretaries' home page: a
// window of rows read page by page from storage around the cursor, search
// as you type and a filter.
package bookings
