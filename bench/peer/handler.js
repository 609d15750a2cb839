// The peer's handlers, written as a Node user of serverless-offline would write ours:
// one @connections client per container, the body posted back unchanged to its sender,
// a gone sender (410) answered with 200 instead of an error, one JSON log line each.
"use strict";

const {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} = require("@aws-sdk/client-apigatewaymanagementapi");

let client = null;

function managementClient() {
  if (client === null) {
    client = new ApiGatewayManagementApiClient({
      endpoint: process.env.MANAGEMENT_API_ENDPOINT,
      region: process.env.AWS_REGION || "us-east-1",
      maxAttempts: 3,
    });
  }
  return client;
}

function log(event, message) {
  const context = event.requestContext;
  console.log(
    JSON.stringify({
      message,
      connectionId: context.connectionId,
      routeKey: context.routeKey,
      requestId: context.requestId,
    }),
  );
}

exports.connect = async (event) => {
  log(event, "Connected");
  return { statusCode: 200, body: "Connected" };
};

exports.disconnect = async (event) => {
  log(event, "Disconnected");
  return { statusCode: 200, body: "Disconnected" };
};

exports.echo = async (event) => {
  const command = new PostToConnectionCommand({
    ConnectionId: event.requestContext.connectionId,
    Data: Buffer.from(event.body, "utf8"),
  });
  try {
    await managementClient().send(command);
  } catch (error) {
    if (error instanceof GoneException) {
      log(event, "The sender has gone");
      return { statusCode: 200, body: "Sender gone" };
    }
    throw error;
  }
  log(event, "Echoed the message");
  return { statusCode: 200, body: "Sent" };
};
