import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { lowerCaseHeaders } from '#shared/http/headers.ts';
import { logger, recordAuthorizerFailure } from '#shared/observability.ts';
import { createAuthenticator } from '../../auth/use-cases/authenticate.ts';
import { authorizerDeps } from '../deps.ts';

const authenticator = createAuthenticator(authorizerDeps());

/** arn:aws:execute-api:region:account:apiId/stage/METHOD/path → every method and path of the stage. */
function stageWildcard(methodArn: string): string {
  const [prefix, apiId, stage] = methodArn.split('/');
  return `${prefix}/${apiId}/${stage}/*`;
}

/**
 * REQUEST authorizer for JWTs and API keys. It authenticates only; the permission check happens
 * in the function's pipeline from the route table. API Gateway turns the thrown `Unauthorized`
 * into a 401 (rewritten to problem+json by the gateway responses).
 */
export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    const headers = lowerCaseHeaders(event.headers);
    try {
      const principal = await authenticator.authenticate(headers);
      return {
        principalId: principal.id,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) },
          ],
        },
        context: {
          principalId: principal.id,
          kind: principal.kind,
          roles: principal.roles.join(','),
          permissions: principal.permissions.join(','),
          sessionId: principal.sessionId ?? '',
          orgId: principal.orgId ?? '',
          keyId: principal.keyId ?? '',
          authTime: principal.authTime === null ? '' : String(principal.authTime),
        },
      };
    } catch (error) {
      if (error instanceof AuthenticationFailedError) {
        logger.info('authentication refused', { reason: error.code, path: event.path });
        throw new Error('Unauthorized');
      }
      logger.error('authorizer failed', { error });
      // Counted apart: Lambda counts the thrown `Unauthorized` of every refusal as an error too.
      recordAuthorizerFailure();
      throw error;
    }
  });
