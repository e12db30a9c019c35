/** Access decisions: roles, API-key scopes and attribute-based policies through one engine. */
export { ACTIONS, DEFAULT_ROLE_TABLE, DEFAULT_SCOPE_TABLE, ROLES, roleAtLeast, roleRank, type Action, type Role, type RoleTable, type ScopeTable } from "./roles.ts";
export { AttrPathSchema, COMPARISONS, ConditionSchema, conditionDepth, conditionSize, DAYS, MAX_CONDITION_DEPTH, MAX_CONDITION_NODES, OperandSchema, PolicySchema, PolicySetSchema, TimeWindowConditionSchema, type Comparison, type Condition, type Policy } from "./schema.ts";
export { AccessRequestSchema, resourceName, type AccessRequest, type Environment, type Resource, type Subject } from "./request.ts";
export { evaluateCondition, inTimeWindow, readAttribute } from "./condition.ts";
export { anyGlobMatch, globMatch } from "./glob.ts";
export { BASELINE_PRIORITY, baselineGrant, decide, policyFit, type Decision, type PolicyFit, type Tables } from "./decide.ts";
export { simulate, whoMay, type PolicyTrace, type Simulation, type SimulationOptions } from "./simulate.ts";
