package entities

// DefaultErr exposes, to the external tests, why the embedded catalogue failed to load.
func DefaultErr() error {
	_, err := defaultCatalogue()
	return err
}
