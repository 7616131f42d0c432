package browser

// webRTCPolicy keeps WebRTC inside the recording proxy: no UDP leaves the
// browser except through a proxy (ours speaks no UDP, so none), and no
// host candidate reveals a local address. A page's STUN/TURN servers are
// then never reached around the proxy, and under --proxy (Tor) the
// scanner's own address is not revealed. The full Chromium 156 ignores the
// --force-webrtc-ip-handling-policy switch and holds the profile
// preference (writePreferences); the headless shell reads no preferences
// and holds the switch, which only it is given (flags).
const webRTCPolicy = "disable_non_proxied_udp"

// webRTCPreferences is the profile's "webrtc" preference group.
var webRTCPreferences = map[string]any{"ip_handling_policy": webRTCPolicy}

// webRTCText describes the policy for the evidence, as exec was told it.
func webRTCText(exec string) string {
	how := "profile webrtc.ip_handling_policy=" + webRTCPolicy
	if IsHeadlessShell(exec) {
		how = "--force-webrtc-ip-handling-policy=" + webRTCPolicy
	}
	return "no UDP outside the proxy (" + how + "); pages' peer connections are recorded"
}
