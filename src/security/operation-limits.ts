/**
 * The plugins that stop hostile operations before they execute: graphql-armor (depth, aliases,
 * tokens, directives, structural cost; field suggestions hidden in production), the Marketo-call
 * estimate, and no introspection in production.
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { useMarketoCallLimit } from './marketo-cost.js';
import type { OperationLimits } from './settings.js';

/**
 * Armor's validation rules throw by default, which yoga answers as a failed request with 200.
 * Reported through the validation context instead, they are validation errors like any other:
 * 400 and `GRAPHQL_VALIDATION_FAILED`, and validation goes on to report the rest.
 */
const asValidationError = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => {
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
    },
  ],
};

type ValidateHook = NonNullable<Plugin['onValidate']>;
type AfterValidate = Exclude<ReturnType<ValidateHook>, void>;

/**
 * Plugins that only take part in validation, run as one plugin, in their order: envelop pays per
 * plugin per request (a step of its async iteration, with its closures and payload objects),
 * whether yoga's cache answers the validation or not. Each after-hook sees the result as the
 * previous one left it, as envelop would show it.
 */
export function validatingAsOne(hooks: readonly ValidateHook[]): Plugin {
  return {
    onValidate(payload) {
      let after: AfterValidate[] | undefined;
      for (const hook of hooks) {
        const end = hook(payload);
        if (typeof end === 'function') (after ??= []).push(end);
      }
      if (!after) return undefined;
      const ends = after;
      return (done) => {
        let { result } = done;
        for (const end of ends) {
          end({
            ...done,
            result,
            setResult: (errors) => {
              result = errors;
              done.setResult(errors);
            },
          });
        }
      };
    },
  };
}

/** A plugin with no hook but `onValidate`. */
const onlyValidates = (plugin: Plugin): boolean =>
  plugin.onValidate !== undefined && Object.keys(plugin).every((key) => key === 'onValidate');

export function useOperationLimits(limits: OperationLimits, production: boolean): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: limits.maxDepth, ...asValidationError },
    maxAliases: { n: limits.maxAliases, ...asValidationError },
    // Counted while parsing (no validation context yet): a parse error, 400 as well.
    maxTokens: { n: limits.maxTokens },
    maxDirectives: { n: limits.maxDirectives, ...asValidationError },
    costLimit: { maxCost: limits.maxCost, ...asValidationError },
    blockFieldSuggestion: { enabled: production },
  }).protect().plugins as Plugin[];
  const validations: ValidateHook[] = armor.filter(onlyValidates).map((p) => p.onValidate!);
  if (production) {
    validations.push(({ addValidationRule }) => {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    });
  }
  return [
    // Armor's token count (a parse hook), then every validation rule as one plugin.
    ...armor.filter((plugin) => !onlyValidates(plugin)),
    validatingAsOne(validations),
    useMarketoCallLimit(limits.maxMarketoCalls),
  ];
}
