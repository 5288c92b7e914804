/**
 * The Pivot docs pages the check knows: which spec operation each documents, and where GitBook publishes its `.md`
 * twin. A page is recognised by its title (its first `#` heading), which survives the edits the check looks for.
 */
import type { DocsPage } from "./parse-page.js";

/** One known page. */
export interface PivotPage {
  /** The page's first `#` heading. */
  title: string;
  /** The spec operation the page documents. */
  operationId: string;
  /** The `.md` twin GitBook publishes for the page; it carries the tables and examples as markdown/HTML. */
  url: string;
}

const API_LISTS = "https://pivot-payment.gitbook.io/pivot-docs/api-references/api-lists/payments/payment-session";

/** Every page `npm run docs:check` reads by default. */
export const PIVOT_PAGES: readonly PivotPage[] = Object.freeze([
  { title: "Cancel Payment Session", operationId: "cancelPaymentSession", url: `${API_LISTS}/cancel-payment-session.md` },
  {
    title: "Retrieve Payment Session Details",
    operationId: "getPaymentSession",
    url: `${API_LISTS}/retrieve-payment-session-details.md`,
  },
]);

/** The operation a parsed page documents, by its title; `undefined` for a page the check does not know. */
export function operationIdOf(page: DocsPage): string | undefined {
  const title = page.title?.toLowerCase();
  return PIVOT_PAGES.find((known) => known.title.toLowerCase() === title)?.operationId;
}
