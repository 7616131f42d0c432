package evidence

// Survey holds what vigie observed of a consultation or survey platform.
type Survey struct {
	// Platforms lists the platforms recognised.
	Platforms []Platform `json:"platforms,omitempty"`
	// Forms lists the participation forms examined.
	Forms []Form `json:"forms,omitempty"`
}

// Platform is a recognised consultation or survey platform.
type Platform struct {
	// ID is "survey/platform/<key>", the key naming the platform in
	// vigie's signatures (limesurvey, decidim …).
	ID   string `json:"id"`
	Name string `json:"name"`
	// Version is the version the page exposes, or the generation its
	// traces show ("2.x"); whether it is supported is the checks' judgment.
	Version string `json:"version,omitempty"`
	URL     string `json:"url"`
	// Signals lists what matched (generator meta, asset path …).
	Signals []string `json:"signals"`
}

// Form is a participation form, observed without submitting it.
type Form struct {
	// ID is "survey/form/<n>".
	ID  string `json:"id"`
	URL string `json:"url"`
	// LoginRequired, TokenRequired: what it takes to open it.
	LoginRequired bool `json:"login_required"`
	TokenRequired bool `json:"token_required"`
	// Captcha names the captcha or proof-of-work found, if any.
	Captcha string `json:"captcha,omitempty"`
	// DuplicateControl is cookie, none-visible …
	DuplicateControl string `json:"duplicate_control,omitempty"`
	// Signals lists the observations behind these fields.
	Signals []string `json:"signals,omitempty"`
}

// Access compares a direct load with a load through --proxy.
type Access struct {
	// ID is "access/proxy".
	ID      string     `json:"id"`
	Proxy   string     `json:"proxy"`
	Direct  AccessLoad `json:"direct"`
	Proxied AccessLoad `json:"proxied"`
}

// AccessLoad is one load of the target page.
type AccessLoad struct {
	Status int    `json:"status,omitempty"`
	Title  string `json:"title,omitempty"`
	// Challenge names the block or challenge recognised (cloudflare, akamai …).
	Challenge string   `json:"challenge,omitempty"`
	Signals   []string `json:"signals,omitempty"`
	Error     string   `json:"error,omitempty"`
}
