import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Config } from "../config.ts";

/** The `graphql` section of the config: the limits every operation must pass. */
export type GraphQLLimits = Config["graphql"];

/** `extensions.code` of each refusal (README "Hardening"). */
export const graphqlLimitCodes = {
  depth: "QUERY_TOO_DEEP",
  aliases: "TOO_MANY_ALIASES",
  cost: "QUERY_TOO_COMPLEX",
  tokens: "TOO_MANY_TOKENS",
  batch: "BATCH_TOO_LARGE",
  introspection: "INTROSPECTION_DISABLED",
} as const;

/** A refusal: HTTP 400 (Yoga reads extensions.http), the limit's code and the config key that sets it. */
function limitError(code: string, message: string, configKey?: string): GraphQLError {
  const hint = configKey ? ` (graphql.${configKey} in the config)` : "";
  return new GraphQLError(`${message}${hint}`, {
    // spec: false keeps the 400 for `accept: application/json` too (Yoga's spec errors answer 200 there).
    extensions: { code, http: { status: 400, spec: false } },
  });
}

/** GraphQL Armor's message without its misleading "Syntax Error: " prefix. */
function armorMessage(error: GraphQLError): string {
  return error.message.replace(/^Syntax Error: /, "");
}

/**
 * GraphQL Armor's rules for depth, aliases and cost, each reporting a coded error through the
 * validation context instead of Armor's uncoded throw, and the list-nesting bound. Armor leaves
 * `__schema` out of depth and cost; graphql-js's own MaxIntrospectionDepthRule (in its specified
 * rules) refuses `__schema { types { fields { type { fields … } } } }` nesting instead.
 */
export function limitValidationRules(
  limits: GraphQLLimits,
  { introspection = true }: { introspection?: boolean } = {},
): ValidationRule[] {
  const reportAs = (code: string, configKey: string) => ({
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(limitError(code, armorMessage(error), configKey)),
    ],
  });
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, ...reportAs(graphqlLimitCodes.depth, "maxDepth") }),
    maxAliasesRule({ n: limits.maxAliases, ...reportAs(graphqlLimitCodes.aliases, "maxAliases") }),
    costLimitRule({ maxCost: limits.maxCost, ...reportAs(graphqlLimitCodes.cost, "maxCost") }),
    listNestingRule(limits.maxListNesting),
  ];
  if (!introspection) rules.push(noIntrospectionRule);
  return rules;
}

/** `__schema` and `__type` refused; `__typename` (which clients add everywhere) stays. */
const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === "__schema" || node.name.value === "__type")
      context.reportError(
        limitError(
          graphqlLimitCodes.introspection,
          `Introspection is disabled on this gateway ("${node.name.value}" was queried). The schema is published with the client package; graphql.introspection: true turns it on.`,
        ),
      );
  },
});

/** graphql's parse, stopped as soon as the document has more than `maxTokens` tokens. */
export function parseWithTokenLimit(limits: GraphQLLimits) {
  return (source: string | Source, options?: ParseOptions): DocumentNode =>
    new MaxTokensParserWLexer(source, {
      ...options,
      n: limits.maxTokens,
      onReject: [
        (_context, error) => {
          const refusal = limitError(graphqlLimitCodes.tokens, armorMessage(error), "maxTokens");
          // Yoga marks every parse error `spec` (`spec ||= true`: 200 under application/json);
          // a refused document is the caller's fault whatever it accepts, so it stays 400.
          Object.defineProperty(refusal.extensions.http, "spec", { get: () => false, set() {} });
          throw refusal;
        },
      ],
    }).parseDocument();
}

/**
 * Parses and validates one document as the server does (schema rules and limits): what the
 * test of every shipped client and dashboard document runs.
 */
export function checkDocument(
  schema: GraphQLSchema,
  source: string,
  limits: GraphQLLimits,
  options?: { introspection?: boolean },
): readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parseWithTokenLimit(limits)(source);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  return validate(schema, document, [...specifiedRules, ...limitValidationRules(limits, options)]);
}

/**
 * The limits as a Yoga (envelop) plugin, so HTTP, both SSE modes and graphql-ws (which runs
 * Yoga's enveloped parse and validate) all pass through them; Yoga's parser and validation
 * cache sits behind, so a repeated document is checked once. A JSON array body (a batch) of
 * more than `maxBatch` operations is refused before any of them runs.
 */
export function useGraphQLLimits(
  limits: GraphQLLimits,
  options: { introspection: boolean },
): Plugin {
  const parse = parseWithTokenLimit(limits);
  const rules = limitValidationRules(limits, options);
  return {
    onParse({ setParseFn }) {
      setParseFn(parse);
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult) && requestParserResult.length > limits.maxBatch)
            throw limitError(
              graphqlLimitCodes.batch,
              `A batch may hold at most ${limits.maxBatch} operations; this one has ${requestParserResult.length}.`,
              "maxBatch",
            );
        },
      };
    },
  };
}

/**
 * Armor's cost multiplies only by `first`/`last`, so `teams { apiKeys { team { apiKeys … } } }`
 * stays cheap on paper while its answer grows as (keys per team)^levels. This bounds how many
 * list fields may nest along one path (fragments followed), whatever their arguments.
 */
function listNestingRule(maxListNesting: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const rootType = context.getSchema().getRootType(operation.operation);
      if (!rootType) return;
      const found = listNestingOf(context, operation.selectionSet, rootType, new Set());
      if (found > maxListNesting)
        context.reportError(
          limitError(
            graphqlLimitCodes.cost,
            `Lists nest ${found} deep in this operation (a list inside a list's items, e.g. teams { apiKeys { team { apiKeys } } }); the limit is ${maxListNesting}.`,
            "maxListNesting",
          ),
        );
    },
  });
}

/** The most list fields met along one path below `selectionSet` (of type `parentType`). */
function listNestingOf(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  parentType: GraphQLNamedType,
  fragmentsOnPath: Set<string>,
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.selectionSet || (!isObjectType(parentType) && !isInterfaceType(parentType)))
        continue;
      const field = parentType.getFields()[selection.name.value];
      if (!field) continue;
      const own = isListType(getNullableType(field.type)) ? 1 : 0;
      const below = listNestingOf(
        context,
        selection.selectionSet,
        getNamedType(field.type),
        fragmentsOnPath,
      );
      deepest = Math.max(deepest, own + below);
    } else {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection
          : context.getFragment(selection.name.value);
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      // A fragment cycle is NoFragmentCyclesRule's to report; here it just ends the walk.
      if (!fragment || (name && fragmentsOnPath.has(name))) continue;
      const conditionType = fragment.typeCondition
        ? context.getSchema().getType(fragment.typeCondition.name.value)
        : parentType;
      if (!conditionType) continue;
      const onPath = name ? new Set(fragmentsOnPath).add(name) : fragmentsOnPath;
      deepest = Math.max(
        deepest,
        listNestingOf(context, fragment.selectionSet, conditionType, onPath),
      );
    }
  }
  return deepest;
}
