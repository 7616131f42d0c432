package evidence

import "time"

// Mail is one analysed message.
type Mail struct {
	// ID is "mail/<n>", in the order the files were given.
	ID string `json:"id"`
	// File is the file it came from; Index its position in an mbox.
	File  string `json:"file"`
	Index int    `json:"index,omitempty"`
	// SHA256 is the hash of the raw message.
	SHA256  string     `json:"sha256,omitempty"`
	Subject string     `json:"subject,omitempty"`
	Date    time.Time  `json:"date,omitzero"`
	From    MailAddr   `json:"from"`
	To      []MailAddr `json:"to,omitempty"`
	ReplyTo []MailAddr `json:"reply_to,omitempty"`
	// MessageID and its domain.
	MessageID       string `json:"message_id,omitempty"`
	MessageIDDomain string `json:"message_id_domain,omitempty"`
	// ReturnPath and the bounce domain it implies.
	ReturnPath   string `json:"return_path,omitempty"`
	BounceDomain string `json:"bounce_domain,omitempty"`
	// Hops is the Received chain, oldest first.
	Hops []Hop `json:"hops,omitempty"`
	// FirstExternalHop is the index in Hops of the first hop outside the
	// sender's infrastructure, or -1.
	FirstExternalHop int `json:"first_external_hop"`
	// DKIM lists the DKIM signatures and their verification results.
	DKIM []DKIMSignature `json:"dkim,omitempty"`
	// AuthResults lists the Authentication-Results (and ARC) verdicts.
	AuthResults []AuthResult `json:"auth_results,omitempty"`
	// ListUnsubscribe and FeedbackID, as found.
	ListUnsubscribe string `json:"list_unsubscribe,omitempty"`
	FeedbackID      string `json:"feedback_id,omitempty"`
	// Providers lists the email service providers recognised, with signals.
	Providers []ProviderMatch `json:"providers,omitempty"`
	// Links and Images found in the bodies.
	Links  []MailLink  `json:"links,omitempty"`
	Images []MailImage `json:"images,omitempty"`
	// Codes lists participation codes or tokens found.
	Codes []CodeMatch `json:"codes,omitempty"`
	// RecipientNamed lists where the recipient is named (To name, salutation …).
	RecipientNamed []Span `json:"recipient_named,omitempty"`
	// DisplayNameDomains lists the registrable domains seen in the message
	// (addresses, links, hops) whose name appears in the From display name:
	// "Ville de Ville-Exemple" names ville-exemple.fr. Checks use it to tell
	// the organisation a mail speaks for when no site or policy says so.
	DisplayNameDomains []string `json:"display_name_domains,omitempty"`
	// Limits lists the bounds the message reached (MIME depth, part count,
	// text size, links …): what lies past them was not analysed.
	Limits []string `json:"limits,omitempty"`
	// Redacted is set when personal values were replaced in this record.
	Redacted bool `json:"redacted,omitempty"`
	// Error is set when the message could not be parsed.
	Error string `json:"error,omitempty"`
}

// MailAddr is a display name and an address.
type MailAddr struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Domain  string `json:"domain,omitempty"`
}

// Sides of a Received hop (Hop.Side).
const (
	HopSender    = "sender"    // received by the From domain's or the organisation's host
	HopRelay     = "relay"     // received by a third party between sender and recipient
	HopRecipient = "recipient" // received by the recipient's mailbox provider
)

// Hop is one Received header.
type Hop struct {
	// ID is "mail/<n>/hop/<i>".
	ID    string    `json:"id"`
	From  string    `json:"from,omitempty"`
	By    string    `json:"by,omitempty"`
	With  string    `json:"with,omitempty"`
	MTAID string    `json:"mta_id,omitempty"`
	For   string    `json:"for,omitempty"`
	IP    string    `json:"ip,omitempty"`
	Time  time.Time `json:"time,omitzero"`
	// Delay since the previous hop.
	Delay time.Duration `json:"delay_ns,omitempty"`
	// Side says whose infrastructure received the message at this hop:
	// sender (the From domain's or the organisation's), relay (a third
	// party between them) or recipient (the receiving mailbox provider).
	Side string `json:"side,omitempty"`
	Raw  string `json:"raw"`
}

// DKIMSignature is one DKIM-Signature header and its verification.
type DKIMSignature struct {
	Domain   string `json:"domain"`
	Selector string `json:"selector"`
	// Result is pass, fail, temperror, permerror or none (not verified).
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// AuthResult is one method's verdict from Authentication-Results or ARC.
type AuthResult struct {
	// Source is authentication-results or arc.
	Source string `json:"source"`
	// Method is spf, dkim, dmarc …; Result pass, fail …
	Method string `json:"method"`
	Result string `json:"result"`
	// Domain is the domain the verdict is about (smtp.mailfrom, header.d …).
	Domain string `json:"domain,omitempty"`
	Server string `json:"server,omitempty"`
}

// Kinds of email-service-provider signals: the first word of each
// ProviderMatch signal ("relay mail135-7.atl141.mandrillapp.com (mail/0/hop/1)").
// Link signals say the provider tracks the mail's links or opens; the
// others that it took part in sending it.
const (
	SignalHeader     = "header"
	SignalRelay      = "relay"
	SignalDKIM       = "dkim"
	SignalMessageID  = "message-id"
	SignalReturnPath = "return-path"
	SignalLink       = "link"
)

// ProviderMatch is an email service provider recognised in a mail.
type ProviderMatch struct {
	// Entity is the catalogue key; Organisation the ID in Organisations.
	Entity       string `json:"entity"`
	Organisation string `json:"organisation,omitempty"`
	// Signals lists what matched (header X-Mandrill-User, hop host …).
	Signals []string `json:"signals"`
}

// MailLink is a link in a mail body.
type MailLink struct {
	// ID is "mail/<n>/link/<i>".
	ID   string `json:"id"`
	URL  string `json:"url"`
	Host string `json:"host"`
	Text string `json:"text,omitempty"`
	// Redirector names the click-tracking service, when the link goes through one.
	Redirector string `json:"redirector,omitempty"`
	// Destination is the real target when it is encoded in the link.
	Destination string `json:"destination,omitempty"`
}

// MailImage is a remote image in a mail body.
type MailImage struct {
	// ID is "mail/<n>/img/<i>".
	ID   string `json:"id"`
	URL  string `json:"url"`
	Host string `json:"host"`
	// Pixel is set for 1×1 images and known open-tracking paths; Reason says which.
	Pixel  bool   `json:"pixel,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// CodeMatch is a participation code or token found in a mail.
type CodeMatch struct {
	// Kind is url-parameter, path-segment or text.
	Kind string `json:"kind"`
	// Where is the link ID or text span where it was found.
	Where string `json:"where"`
	// Value is the code itself, redacted unless --no-redact.
	Value string `json:"value"`
}
