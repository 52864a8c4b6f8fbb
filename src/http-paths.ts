/**
 * A cheap first look at a request's path. Yoga parses a request's URL the first time a plugin
 * reads `url` (and useReadinessCheck then runs a URLPattern): per `POST /graphql`, for plugins
 * that answer other paths. The URL string must contain the endpoint's name for its pathname to
 * be that endpoint (the parser turns `\` into `/` and resolves dot segments, but never decodes
 * letters), so a URL without it is not looked at further.
 */
export function mayAddress(request: Request, endpoint: string): boolean {
  return request.url.includes(endpoint.slice(endpoint.lastIndexOf('/') + 1));
}
