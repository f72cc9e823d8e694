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
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const node = host.current;
    if (node === null || rendermime === null) {
      return;
    }
    const renderer = rendermime.createRenderer('text/markdown');
    let live = true;
    const model = new MimeModel({
      data: { 'text/markdown': text },
      trusted: false
    });
    void renderer.renderModel(model).then(() => {
      if (live) {
        node.replaceChildren(renderer.node);
      }
    });
    return () => {
      live = false;
      renderer.dispose();
    };
  }, [text, rendermime]);
  if (rendermime === null) {
    // Without a registry, plain text: React escapes it.
    return <pre className="jp-Pachinco-markdown">{text}</pre>;
  }
  return <div className="jp-Pachinco-markdown" ref={host} />;
}
