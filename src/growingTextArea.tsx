/**
 * A text box as tall as its text: it grows and shrinks as the text is edited and as the
 * sidebar's width changes, so a step's text is never cut off inside a fixed two-row box.
 */
import * as React from 'react';

export function GrowingTextArea(
  props: React.TextareaHTMLAttributes<HTMLTextAreaElement>
): JSX.Element {
  const area = React.useRef<HTMLTextAreaElement>(null);
  React.useLayoutEffect(() => fit(area.current), [props.value]);
  React.useEffect(() => {
    const node = area.current;
    if (node === null || typeof ResizeObserver === 'undefined') {
      return;
    }
    let width = node.clientWidth;
    const observer = new ResizeObserver(() => {
      // Only a new width wraps the text anew; fitting changes the height, not the width.
      if (node.clientWidth !== width) {
        width = node.clientWidth;
        fit(node);
      }
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  return <textarea ref={area} rows={1} {...props} />;
}

/** Set `node`'s height (px) to its text's height plus its borders. */
function fit(node: HTMLTextAreaElement | null): void {
  if (node === null) {
    return;
  }
  node.style.height = 'auto';
  const borders = node.offsetHeight - node.clientHeight;
  node.style.height = `${node.scrollHeight + borders}px`;
}
