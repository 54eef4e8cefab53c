import { documentIdSchema } from "../model/common";

/** The path's segments after its Hosting prefix; the function's own URL has none to strip. */
export function segmentsAfter(path: string, hostingPrefix: string): string[] {
  const rest = path === hostingPrefix || path.startsWith(`${hostingPrefix}/`) ? path.slice(hostingPrefix.length) : path;
  return rest.split("/").filter((segment) => segment.length > 0);
}

/** The document id a URL segment names, or undefined when it does not decode to a valid one. */
export function documentIdIn(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    const id = decodeURIComponent(segment);
    return documentIdSchema.safeParse(id).success ? id : undefined;
  } catch {
    return undefined;
  }
}
