import { z } from "zod";
import { GatewayError } from "../../gateway/errors.ts";
import { Prisma } from "../../generated/sqlite/client.ts";

/*
 * The settings an admin gives teams and keys (GraphQL inputs, or the library), checked once
 * here so both services reject the same bad input with the same messages, before anything is
 * written.
 */

export const budgetPeriods = ["DAILY", "WEEKLY", "MONTHLY", "NONE"] as const;
export type BudgetPeriodName = (typeof budgetPeriods)[number];

const budgetSchema = z.strictObject({
  limitNanoUsd: z.bigint().nonnegative("must not be negative"),
  period: z.enum(budgetPeriods).default("MONTHLY"),
});

const limitSchema = z.int().positive().nullish();
const limitsSchema = z.strictObject({
  rpm: limitSchema,
  tpm: limitSchema,
  maxParallel: limitSchema,
});

const modelsSchema = z.array(z.string().trim().min(1, "must not contain empty names")).nullish();
const nameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters");

export const teamInputSchema = z.strictObject({
  name: nameSchema,
  models: modelsSchema,
  budget: budgetSchema.nullish(),
  limits: limitsSchema.nullish(),
});

export const teamUpdateSchema = teamInputSchema.partial();

export const apiKeyInputSchema = teamInputSchema.extend({
  teamId: z.string().min(1, "is required"),
  expiresAt: z.date().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

export type TeamInput = z.input<typeof teamInputSchema>;
export type TeamUpdate = z.input<typeof teamUpdateSchema>;
export type ApiKeyInput = z.input<typeof apiKeyInputSchema>;

/** Parses `input` or throws BAD_REQUEST naming the first bad field. */
export function parseGovernanceInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Named as the caller named it: the budget's amount is limitUsd on the API.
  const param = issue.path.map(String).join(".").replace("limitNanoUsd", "limitUsd") || undefined;
  throw new GatewayError(
    "BAD_REQUEST",
    param ? `Invalid ${param}: ${issue.message}` : issue.message,
    { param },
  );
}

/** The Prisma columns for a budget and limits (undefined leaves a column as it is on update). */
export function governanceColumns(input: {
  models?: string[] | null;
  budget?: { limitNanoUsd: bigint; period: BudgetPeriodName } | null;
  limits?: { rpm?: number | null; tpm?: number | null; maxParallel?: number | null } | null;
}) {
  return {
    // null = every model: a database NULL (Prisma's DbNull), not JSON null.
    ...(input.models !== undefined ? { models: input.models ?? Prisma.DbNull } : {}),
    ...(input.budget !== undefined
      ? input.budget === null
        ? { budgetLimitNanoUsd: null, budgetPeriod: "NONE" }
        : { budgetLimitNanoUsd: input.budget.limitNanoUsd, budgetPeriod: input.budget.period }
      : {}),
    ...(input.limits !== undefined
      ? {
          rpmLimit: input.limits?.rpm ?? null,
          tpmLimit: input.limits?.tpm ?? null,
          maxParallel: input.limits?.maxParallel ?? null,
        }
      : {}),
  };
}
