// The lab's c15t banner: c15t's React consent banner and dialog, in the
// library's offline mode (no backend), mounted by React.
// window.labC15t(el, options) renders them into el.
import React from "react";
import { createRoot } from "react-dom/client";
import { ConsentManagerProvider, ConsentBanner, ConsentDialog } from "@c15t/react";

window.labC15t = function (el, options) {
  createRoot(el).render(
    React.createElement(ConsentManagerProvider, { options: Object.assign({ mode: "offline" }, options) },
      React.createElement(ConsentBanner, null),
      React.createElement(ConsentDialog, null)));
};
