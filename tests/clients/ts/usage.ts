// A small typed client over fetch, written against the types that openapi-typescript generates
// from docs/openapi.yaml (into generated/schema.d.ts, which is not committed). `tsc --noEmit`
// checks it in tests/test_generated_clients.py: a schema change that breaks this usage, or that
// loosens the types the `@ts-expect-error` lines below rely on, fails the tests.

import type { components, operations, paths } from "./generated/schema";

type Schemas = components["schemas"];
export type Position = Schemas["Position"];
export type PositionRequest = Schemas["PositionRequest"];
export type PaginatedPositionList = Schemas["PaginatedPositionList"];
export type StanceMatrix = Schemas["StanceMatrix"];
export type Forecast = Schemas["OptionForecast"];
export type Problem = Schemas["Problem"];

/** The JSON body of an operation's answer with a given status. */
type Json<
  Path extends keyof paths,
  Method extends "get" | "post",
  Status extends number,
> = paths[Path][Method] extends {
  responses: { [S in Status]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

export type PositionFilters = NonNullable<operations["positions_list"]["parameters"]["query"]>;
export type StanceMatrixQuery = NonNullable<
  operations["topics_stance_matrix_retrieve"]["parameters"]["query"]
>;

type QueryValue = string | number | boolean | (string | number)[] | undefined;

/** Problem details (RFC 9457), as every error of the API answers. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }

  /** The messages about one field of a 400, if any. */
  fieldErrors(field: string): string[] {
    const messages = this.problem.errors?.[field];
    return Array.isArray(messages) ? messages.map(String) : [];
  }
}

function queryString(query: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export class PolicytrackerApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token !== undefined) headers["Authorization"] = `Token ${this.token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    if (!response.ok) throw new ApiError((await response.json()) as Problem);
    return (await response.json()) as T;
  }

  listPositions(filters: PositionFilters = {}): Promise<Json<"/api/v1/positions/", "get", 200>> {
    return this.request("GET", `/api/v1/positions/${queryString(filters)}`);
  }

  createPosition(position: PositionRequest): Promise<Json<"/api/v1/positions/", "post", 201>> {
    return this.request("POST", "/api/v1/positions/", position);
  }

  stanceMatrix(topicId: number, query: StanceMatrixQuery = {}): Promise<StanceMatrix> {
    return this.request("GET", `/api/v1/topics/${topicId}/stance-matrix/${queryString(query)}`);
  }

  forecast(optionId: number, asOf?: string): Promise<Forecast> {
    const query = queryString({ as_of: asOf });
    return this.request("GET", `/api/v1/options/${optionId}/forecast/${query}`);
  }

  /** Every position matching the filters, following `next` from page to page. */
  async *allPositions(filters: PositionFilters = {}): AsyncGenerator<Position> {
    let offset = 0;
    for (;;) {
      const page: PaginatedPositionList = await this.listPositions({
        ...filters,
        offset,
        limit: 100,
      });
      yield* page.results;
      if (!page.next) return;
      offset += page.results.length;
    }
  }
}

/** Where the stated stance and what was expected (or reported) part ways. */
export function divergences(
  matrix: StanceMatrix,
): { stakeholder: string; option: string; stances: Record<string, number> }[] {
  const found = [];
  for (const row of matrix.rows) {
    for (const [index, cell] of row.cells.entries()) {
      const option = matrix.options[index];
      if (cell === null || option === undefined || !cell.divergent) continue;
      const { stances } = cell;
      found.push({ stakeholder: row.stakeholder.display, option: option.display, stances });
    }
  }
  return found;
}

export async function example(api: PolicytrackerApi): Promise<void> {
  const page = await api.listPositions({
    stakeholder: ["vladimir-padrino-lopez"],
    basis: ["expected", "stated"],
    as_of_after: "2019-04-01",
    ordering: "as_of",
    limit: 20,
  });
  const stances: number[] = page.results.map((position) => position.stance);
  const label: string = page.results[0]?.stakeholder.display ?? "nobody";
  console.log(page.count, stances, label);

  const matrix = await api.stanceMatrix(1, { as_of: "2019-05-01", basis: "any" });
  console.log(divergences(matrix));
  const forecast = await api.forecast(4, "2019-05-01");
  const mean: number | null = forecast.weighted_mean;
  const [low, high] = forecast.interval.weighted_mean ?? [null, null];
  console.log(mean, low, high, forecast.pivotal.map((pivotal) => pivotal.stakeholder.slug));

  try {
    await api.createPosition({
      stakeholder: 4,
      option: 2,
      stance: 7,
      basis: "stated",
      as_of: "2019-05-02",
      source: 1,
    });
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 400) {
      console.log(error.problem.code, error.fieldErrors("stance"));
    } else {
      throw error;
    }
  }
}

// The types are strict: each line below must be a type error, or tsc reports the unused
// directive and the check fails.
export const mistakes = (api: PolicytrackerApi, matrix: StanceMatrix, position: Position) => [
  api.createPosition({
    stakeholder: 4,
    option: 2,
    // @ts-expect-error: a stance is a number (−2 … +2), not a string
    stance: "strongly support",
    basis: "stated",
    as_of: "2019-05-02",
    source: 1,
  }),
  // @ts-expect-error: "rumoured" is not a basis
  api.listPositions({ basis: ["rumoured"] }),
  // @ts-expect-error: filters have names; `stakeholders` is not one of them
  api.listPositions({ stakeholders: ["vladimir-padrino-lopez"] }),
  // @ts-expect-error: a position's stakeholder is written as an id, not a brief object
  api.createPosition({ ...position, stakeholder: position.stakeholder }),
  // @ts-expect-error: a cell is null where the stakeholder has no position on the option
  matrix.rows[0]?.cells[0].stance,
  // @ts-expect-error: an id is read-only in a response
  (position.id = 3),
];
