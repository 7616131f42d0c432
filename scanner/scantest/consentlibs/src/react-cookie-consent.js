// The lab's react-cookie-consent banner: the library's component mounted by
// React, as a React single-page app does. window.labReactCookieConsent(el,
// props, text) renders it into el.
import React from "react";
import { createRoot } from "react-dom/client";
import CookieConsent from "react-cookie-consent";

window.labReactCookieConsent = function (el, props, text) {
  createRoot(el).render(React.createElement(CookieConsent, props, text));
};
