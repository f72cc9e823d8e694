import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import * as React from 'react';

/**
 * Model text as markdown, through JupyterLab's rendermime. The model is marked untrusted,
 * so the registry's sanitizer strips scripts and event handlers before anything is shown.
 */
export function RenderedMarkdown(props: {
  text: string;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { text, rendermime } = props;
  if (rendermime === null) {
    // Without a registry, plain text: React escapes it.
    return <pre className="jp-Pachinco-markdown">{text}</pre>;
  }
  return (
    <RenderedMime
      className="jp-Pachinco-markdown"
      mimeType="text/markdown"
      data={text}
      rendermime={rendermime}
    />
  );
}

/**
 * `data` of `mimeType` rendered by the registry's renderer for it, as untrusted data; `then`
 * may adjust the rendered node (an image's alt text) before it is shown.
 */
export function RenderedMime(props: {
  className?: string;
  mimeType: string;
  data: string;
  rendermime: IRenderMimeRegistry;
  then?: (node: HTMLElement) => void;
}): JSX.Element {
  const { className, mimeType, data, rendermime, then } = props;
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (node === null) {
      return;
    }
    const renderer = rendermime.createRenderer(mimeType);
    let live = true;
    const model = new MimeModel({ data: { [mimeType]: data }, trusted: false });
    void renderer.renderModel(model).then(() => {
      if (live) {
        then?.(renderer.node);
        node.replaceChildren(renderer.node);
      }
    });
    return () => {
      live = false;
      renderer.dispose();
    };
  }, [data, mimeType, rendermime, then]);
  return <div className={className} ref={host} />;
}
