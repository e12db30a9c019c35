/** Alert routing in Alertmanager's model: rules, grouping, silences, inhibition. */
export { alertLabels, labelValue, severityRank, SEVERITIES, type Alert, type Severity } from "./labels.ts";
export { globToRegExp, matchesRule, RuleMatchSchema, SeveritySchema, type RuleMatch } from "./match.ts";
export { isSilenceActive, isSilenced, matcherMatches, parseSilence, SilenceInputSchema, SilenceMatcherSchema, silences, silencingIndexes, type Silence, type SilenceMatcher, type SilenceResult } from "./silence.ts";
export { inhibitedIds } from "./inhibit.ts";
export { groupId, groupKeyOf, type GroupIdentity } from "./group-key.ts";
export { alertFiring, alertResolved, isGroupEmpty, newGroup, nextWakeAt, tick, type FlushContext, type GroupedAlert, type GroupNotification, type GroupState, type GroupStep, type GroupTimings } from "./group.ts";
export { routeAlert, RuleSchema, RuleTimingsSchema, timingsOf, type RoutableRule, type Route, type RuleConfig } from "./rule.ts";
