/**
 * The plugins that stop hostile operations before they execute: graphql-armor (depth, aliases,
 * tokens, directives, structural cost; field suggestions hidden in production), the Marketo-call
 * estimate, and no introspection in production.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
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

export function useOperationLimits(limits: OperationLimits, production: boolean): Plugin[] {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ...asValidationError },
      maxAliases: { n: limits.maxAliases, ...asValidationError },
      // Counted while parsing (no validation context yet): a parse error, 400 as well.
      maxTokens: { n: limits.maxTokens },
      maxDirectives: { n: limits.maxDirectives, ...asValidationError },
      costLimit: { maxCost: limits.maxCost, ...asValidationError },
      blockFieldSuggestion: { enabled: production },
    }) as Plugin,
    useMarketoCallLimit(limits.maxMarketoCalls),
  ];
  if (production) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
