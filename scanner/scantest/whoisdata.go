package scantest

import "strings"

// LabWhois returns the lab whois server's answers, keyed by CIDR: the same
// networks as the lab's RDAP data, in the registries' whois formats (ARIN
// for the US networks, RIPE for the French ones), so that vigie's whois
// fallback can be tested with the RDAP server down.
func LabWhois() map[string]string {
	return map[string]string{
		"198.51.100.0/24": arinAnswer("198.51.100.0 - 198.51.100.255", "198.51.100.0/24", "CLOUDFLARENET", "NET-198-51-100-0-1", "AS13335",
			"Cloudflare, Inc.", "CLOUD14", "101 Townsend Street", "San Francisco", "CA", "94107", "US", "abuse@cloudflare.com"),
		"2001:db8:cf::/48": arinAnswer("2001:db8:cf:: - 2001:db8:cf:ffff:ffff:ffff:ffff:ffff", "2001:db8:cf::/48", "CLOUDFLARENET", "NET6-2001-DB8-CF-1", "AS13335",
			"Cloudflare, Inc.", "CLOUD14", "101 Townsend Street", "San Francisco", "CA", "94107", "US", "abuse@cloudflare.com"),
		"192.0.2.0/25": arinAnswer("192.0.2.0 - 192.0.2.127", "192.0.2.0/25", "GOOGLE", "NET-192-0-2-0-1", "AS15169",
			"Google LLC", "GOGL", "1600 Amphitheatre Parkway", "Mountain View", "CA", "94043", "US", "network-abuse@google.com"),
		"192.0.2.128/25": arinAnswer("192.0.2.128 - 192.0.2.255", "192.0.2.128/25", "MANDRILL", "NET-192-0-2-128-1", "AS14135",
			"The Rocket Science Group, LLC", "RSG-1", "675 Ponce de Leon Ave NE, Suite 5000", "Atlanta", "GA", "30308", "US", "abuse@mailchimp.com"),
		"203.0.113.0/25": ripeAnswer("203.0.113.0 - 203.0.113.127", "OVH", "FR", "ORG-OS3-RIPE", "OVH SAS",
			[]string{"2 rue Kellermann", "59100 Roubaix", "FRANCE"}, "abuse@ovh.net", "203.0.113.0/25", "AS16276"),
		"2001:db8:f0::/48": ripeAnswer("2001:db8:f0::/48", "OVH", "FR", "ORG-OS3-RIPE", "OVH SAS",
			[]string{"2 rue Kellermann", "59100 Roubaix", "FRANCE"}, "abuse@ovh.net", "2001:db8:f0::/48", "AS16276"),
		"203.0.113.128/25": ripeAnswer("203.0.113.128 - 203.0.113.255", "CD50-NET", "FR", "ORG-CDDL1-RIPE", "Conseil departemental de la Manche",
			[]string{"98 route de Candol", "50008 Saint-Lo", "FRANCE"}, "abuse@manche.fr", "203.0.113.128/25", "AS198575"),
		VendorDomain: domainAnswer(VendorDomain, "Gandi SAS", "Participation Vendor SAS", "FR"),
		CityDomain:   domainAnswer(CityDomain, "Gandi SAS", "Commune de Ville-Exemple", "FR"),
		CleanDomain:  domainAnswer(CleanDomain, "Gandi SAS", "Commune de Commune-Propre", "FR"),
		RelayDomain:  domainAnswer(RelayDomain, "MarkMonitor Inc.", "REDACTED FOR PRIVACY", "US"),
	}
}

// domainAnswer is a domain whois answer in the ICANN registrar format.
func domainAnswer(domain, registrar, registrant, country string) string {
	return "Domain Name: " + strings.ToUpper(domain) + "\n" +
		"Registry Domain ID: 0000000_DOMAIN_LAB\n" +
		"Registrar WHOIS Server: whois.lab.invalid\n" +
		"Updated Date: 2026-01-02T03:04:05Z\n" +
		"Creation Date: 2012-01-02T03:04:05Z\n" +
		"Registry Expiry Date: 2027-01-02T03:04:05Z\n" +
		"Registrar: " + registrar + "\n" +
		"Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n" +
		"Registrant Organization: " + registrant + "\n" +
		"Registrant Country: " + country + "\n" +
		"Name Server: NS1." + strings.ToUpper(domain) + "\n" +
		"DNSSEC: unsigned\n" +
		">>> Last update of WHOIS database: 2026-11-21T00:00:00Z <<<\n"
}

func arinAnswer(rng, cidr, netName, handle, as, org, orgID, street, city, state, postcode, country, abuse string) string {
	return "#\n# ARIN WHOIS data and services are subject to the Terms of Use\n#\n\n" +
		"NetRange:       " + rng + "\n" +
		"CIDR:           " + cidr + "\n" +
		"NetName:        " + netName + "\n" +
		"NetHandle:      " + handle + "\n" +
		"NetType:        Direct Allocation\n" +
		"OriginAS:       " + as + "\n" +
		"Organization:   " + org + " (" + orgID + ")\n" +
		"RegDate:        2014-03-28\n\n" +
		"OrgName:        " + org + "\n" +
		"OrgId:          " + orgID + "\n" +
		"Address:        " + street + "\n" +
		"City:           " + city + "\n" +
		"StateProv:      " + state + "\n" +
		"PostalCode:     " + postcode + "\n" +
		"Country:        " + country + "\n\n" +
		"OrgAbuseHandle: ABUSE-" + orgID + "\n" +
		"OrgAbuseEmail:  " + abuse + "\n"
}

func ripeAnswer(inetnum, netname, country, orgHandle, orgName string, address []string, abuse, route, origin string) string {
	key := "inetnum"
	if len(inetnum) > 0 && !strings.Contains(inetnum, "-") {
		key = "inet6num"
	}
	s := "% This is the RIPE Database query service.\n\n" +
		"% Abuse contact for '" + inetnum + "' is '" + abuse + "'\n\n" +
		key + ":        " + inetnum + "\n" +
		"netname:        " + netname + "\n" +
		"country:        " + country + "\n" +
		"org:            " + orgHandle + "\n" +
		"status:         ASSIGNED PA\n" +
		"source:         RIPE\n\n" +
		"organisation:   " + orgHandle + "\n" +
		"org-name:       " + orgName + "\n" +
		"org-type:       LIR\n"
	for _, a := range address {
		s += "address:        " + a + "\n"
	}
	routeKey := "route"
	if !strings.Contains(inetnum, "-") {
		routeKey = "route6"
	}
	return s + "abuse-mailbox:  " + abuse + "\nsource:         RIPE\n\n" +
		routeKey + ":          " + route + "\norigin:         " + origin + "\nsource:         RIPE\n"
}
