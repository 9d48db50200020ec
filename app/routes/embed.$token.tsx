import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import tldrawCss from "tldraw/tldraw.css";
import { linkAccess } from "../board/access.server";
import { BoardPage } from "../components/BoardPage";
import { RefusedPage } from "../components/RefusedPage";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: tldrawCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.title} · Genboard` : "Genboard" }];

/**
 * A board inside another site's <iframe>: no app chrome, no cookies needed (the
 * token travels to the socket), read-only unless the token is an edit token.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const headers = { "Cache-Control": "private, no-store", "Content-Security-Policy": `frame-ancestors ${context.embedFrameAncestors}` };
  const token = params.token ?? "";
  const link = await linkAccess(context, token, headers);
  return data(
    {
      boardId: link.boardId,
      title: link.title,
      role: link.role,
      isOwner: false,
      token,
      embed: true,
      licenseKey: context.tldrawLicenseKey,
      canvasPreload: context.canvasPreload,
    },
    { headers },
  );
}

export const headers: HeadersFunction = ({ loaderHeaders, errorHeaders }) => errorHeaders ?? loaderHeaders;

export default function Embed() {
  return <BoardPage {...useLoaderData<typeof loader>()} />;
}

export const ErrorBoundary = () => <RefusedPage embedded />;
