package browser

// webRTCPolicy keeps WebRTC inside the recording proxy: no UDP leaves the
// browser except through a proxy (ours speaks no UDP, so none), and no
// host candidate reveals a local address. A page's STUN/TURN servers are
// then never reached around the proxy, and under --proxy (Tor) the
// scanner's own address is not revealed. Chromium 156 ignores the
// --force-webrtc-ip-handling-policy switch; the profile preference holds.
const webRTCPolicy = "disable_non_proxied_udp"

// webRTCPreferences is the profile's "webrtc" preference group.
var webRTCPreferences = map[string]any{"ip_handling_policy": webRTCPolicy}

// webRTCPolicyText describes the policy for the evidence.
const webRTCPolicyText = "no UDP outside the proxy (profile webrtc.ip_handling_policy=" + webRTCPolicy + "); pages' peer connections are recorded"
