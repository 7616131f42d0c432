package owner

// Requests returns how many HTTP requests the client has sent, bootstrap
// downloads and redirects included (tests count them).
func (c *RDAPClient) Requests() int { return int(c.requests.Load()) }
