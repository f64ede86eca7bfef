import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  execute,
  parse,
  type GraphQLAbstractType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { createCompiledExecutor } from "../../server/http/graphql-compiled-executor.ts";

/*
 * graphql-jit's answers against graphql-js's own, through JSON as the caller reads them: field
 * errors with their locations (on a later line, after CRLF line ends), a union whose resolveType
 * needs the abstract type (as Pothos's does), and variables that do not coerce.
 */
const item = new GraphQLObjectType({
  name: "Item",
  fields: {
    name: { type: GraphQLString },
    broken: {
      type: GraphQLString,
      resolve: () => {
        throw new Error("the item is broken");
      },
    },
  },
});
const cat = new GraphQLObjectType({ name: "Cat", fields: { meows: { type: GraphQLInt } } });
const dog = new GraphQLObjectType({ name: "Dog", fields: { barks: { type: GraphQLInt } } });
const pet = new GraphQLUnionType({
  name: "Pet",
  types: [cat, dog],
  // Like Pothos's: it reads the abstract type graphql-js passes as the fourth argument.
  resolveType: (value: { kind: string }, _context, _info, type: GraphQLAbstractType) => {
    if (type.name !== "Pet") throw new Error("resolveType needs the abstract type");
    return value.kind;
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      item: { type: item, resolve: () => ({ name: "cup" }) },
      pets: {
        type: new GraphQLNonNull(pet),
        resolve: () => ({ kind: "Dog", barks: 3 }),
      },
      double: {
        type: GraphQLInt,
        args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
        resolve: (_root, { n }: { n: number }) => n * 2,
      },
    },
  }),
});

const executeCompiled = createCompiledExecutor(schema);

async function bothWays(query: string, variableValues?: Record<string, unknown>) {
  const document = parse(query);
  const args = { document, contextValue: {}, variableValues };
  return {
    compiled: JSON.stringify(await executeCompiled(args)),
    interpreted: JSON.stringify(await execute({ schema, ...args })),
  };
}

describe("createCompiledExecutor", () => {
  it("answers a field error as graphql-js does, located on its line", async () => {
    const query = "query {\r\n  item {\r\n    name broken\r\n  }\r\n}";
    const { compiled, interpreted } = await bothWays(query);
    expect(compiled).toBe(interpreted);
    expect(JSON.parse(compiled).errors[0].locations).toEqual([{ line: 3, column: 10 }]);
    // What Yoga's masking rebuilds a masked error's locations from.
    const [error] = (await executeCompiled({ document: parse(query), contextValue: {} })).errors!;
    expect(error!.source?.body).toBe(query);
    expect(error!.positions).toEqual([query.indexOf("broken")]);
  });

  it("resolves a union whose resolveType needs the abstract type", async () => {
    const { compiled, interpreted } = await bothWays(
      "{ pets { __typename ... on Dog { barks } ... on Cat { meows } } }",
    );
    expect(compiled).toBe(interpreted);
    expect(JSON.parse(compiled)).toEqual({ data: { pets: { __typename: "Dog", barks: 3 } } });
  });

  it("answers variables that do not coerce, and missing ones, as graphql-js does", async () => {
    const query = "query Double($n: Int!) { double(n: $n) }";
    for (const variables of [{ n: "three" }, {}]) {
      const { compiled, interpreted } = await bothWays(query, variables);
      expect(compiled).toBe(interpreted);
      expect(JSON.parse(compiled).data).toBeUndefined();
    }
    const { compiled } = await bothWays(query, { n: 21 });
    expect(JSON.parse(compiled)).toEqual({ data: { double: 42 } });
  });
});
