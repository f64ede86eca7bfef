import {
  GraphQLError,
  execute,
  isInterfaceType,
  isUnionType,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import type { CompiledQuery } from "graphql-jit";

type GraphQLJit = typeof import("graphql-jit");

/**
 * graphql-jit, imported at the first operation: with what it loads (fast-json-stringify, ajv) it
 * is ~0.8 MB of the bundle and ~25 ms of start-up that a gateway serving only REST would pay for
 * nothing.
 */
let graphqlJit: GraphQLJit | undefined;
let loadingGraphQLJit: Promise<GraphQLJit> | undefined;
async function loadGraphQLJit(): Promise<GraphQLJit> {
  return (graphqlJit = await (loadingGraphQLJit ??= import("graphql-jit")));
}

export interface CompiledExecutionArgs {
  /** A document that parsed and validated against the schema. */
  document: DocumentNode;
  contextValue: unknown;
  variableValues?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * Runs validated operations compiled to JavaScript by graphql-jit, each once per document and
 * operation name, with graphql-js's answers (issue 16: graphql-js's interpreter — input
 * coercion, field collection, value completion — was ~14% of a GraphQL request's CPU). Where the
 * two differ:
 *
 * - variables graphql-jit refuses (nothing has run then) go to graphql-js, which words the errors;
 * - graphql-jit's field errors carry their `locations` alone, which Yoga's masking drops (it
 *   rebuilds an error from `nodes`, or `source` and `positions`): they become graphql-js
 *   GraphQLErrors, ahead of `data` as graphql-js puts them;
 * - graphql-jit calls resolveType without the abstract type (passAbstractTypeToResolveType).
 *
 * An operation graphql-jit cannot compile runs on graphql-js.
 */
export function createCompiledExecutor(schema: GraphQLSchema) {
  passAbstractTypeToResolveType(schema);
  const compiledOperations = new WeakMap<DocumentNode, Map<string, CompiledQuery | false>>();

  function compiledOperation(
    { compileQuery, isCompiledQuery }: GraphQLJit,
    document: DocumentNode,
    operationName: string | undefined,
  ): CompiledQuery | false {
    let byName = compiledOperations.get(document);
    if (!byName) compiledOperations.set(document, (byName = new Map()));
    let compiled = byName.get(operationName ?? "");
    if (compiled === undefined) {
      const compiledOrErrors = compileQuery(schema, document, operationName);
      compiled = isCompiledQuery(compiledOrErrors) ? compiledOrErrors : false;
      byName.set(operationName ?? "", compiled);
    }
    return compiled;
  }

  return async function executeCompiled(args: CompiledExecutionArgs): Promise<ExecutionResult> {
    const { document, contextValue, variableValues, operationName } = args;
    const jit = graphqlJit ?? (await loadGraphQLJit());
    const compiled = compiledOperation(jit, document, operationName ?? undefined);
    if (!compiled) return execute({ schema, ...args });
    const result = await compiled.query(undefined, contextValue, variableValues ?? {});
    if (!("data" in result)) return execute({ schema, ...args });
    if (!result.errors) return result;
    return {
      errors: result.errors.map((error) => asGraphQLJsError(error, document)),
      data: result.data,
    };
  };
}

const resolveTypeAdapted = new WeakSet<GraphQLSchema>();

/**
 * graphql-jit calls a union's or interface's resolveType without the abstract type, its fourth
 * argument in graphql-js, which Pothos's resolveType passes on to graphql-js's default resolver
 * (which then fails): each gets it from its own type when the caller leaves it out. Once per
 * schema; graphql-js, which passes it, sees no change.
 */
function passAbstractTypeToResolveType(schema: GraphQLSchema): void {
  if (resolveTypeAdapted.has(schema)) return;
  resolveTypeAdapted.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(isUnionType(type) || isInterfaceType(type)) || !type.resolveType) continue;
    const resolveType = type.resolveType;
    type.resolveType = (value, context, info, abstractType) =>
      resolveType(value, context, info, abstractType ?? type);
  }
}

/** A graphql-jit error as graphql-js makes it, located in the document's source. */
function asGraphQLJsError(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  if (error.source || !source) return error;
  return new GraphQLError(error.message, {
    source,
    positions: error.locations?.map((location) => positionOf(source.body, location)),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** The offset in `body` of a 1-based line and column (graphql-js's line terminators). */
function positionOf(body: string, { line, column }: { line: number; column: number }): number {
  const lineEnds = /\r\n|[\n\r]/g;
  let lineStart = 0;
  for (let current = 1; current < line; current += 1) {
    const end = lineEnds.exec(body);
    if (!end) break;
    lineStart = end.index + end[0].length;
  }
  return lineStart + column - 1;
}
