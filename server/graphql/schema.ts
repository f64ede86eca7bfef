// The schema is the sum of its domains: adding one is one import line here.
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./root-types.ts";
import "./errors.ts";
import "../modules/completions/completions.schema.ts";
import "../modules/embeddings/embeddings.schema.ts";
import "../modules/models/models.schema.ts";
import "../modules/spend/spend.schema.ts";
import "../modules/teams/teams.schema.ts";
import "../modules/keys/keys.schema.ts";
import "../modules/audit/audit.schema.ts";

export const schema = builder.toSchema({ sortSchema: true });
