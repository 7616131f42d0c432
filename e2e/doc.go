// Package e2e holds vigie's end-to-end tests: full scans of the loopback
// lab (scanner/scantest) with the browser, whose evidence the checks then
// judge. Collector packages test what they observe; this package tests
// what vigie concludes from it, on the founding cases and the clean site.
// It has no code of its own.
package e2e
