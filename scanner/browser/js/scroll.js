// Runs in an isolated world of the main frame with the step bound as
// argument: scrolls the document like a reader, a screen at a time down to
// the bottom (two animation frames per step, so that scroll listeners and
// intersection observers run), then back to the top. Returns the steps.
async (maxSteps) => {
  const se = document.scrollingElement || document.documentElement;
  if (!se) return { steps: 0 };
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const height = () => Math.max(se.scrollHeight, document.body ? document.body.scrollHeight : 0);
  let y = se.scrollTop, steps = 0;
  while (steps < maxSteps) {
    const next = Math.min(y + Math.max(innerHeight * 0.8, 100), height() - innerHeight);
    if (!(next > y)) break;
    window.scrollTo(0, next);
    y = next;
    steps++;
    await frame();
    await frame();
  }
  window.scrollTo(0, 0);
  await frame();
  return { steps };
}
