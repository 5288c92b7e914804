/*
 * The documented shape of a callback's `data`: spec/openapi.yaml's `PaymentSessionDetails` (the webhook's `data`) with
 * its `$ref`s inlined and only the keywords {@link checkShape} reads. It is written out here, not read from the spec at
 * run time, so that the callbacks entry ships no YAML and no schema compiler; test/callbacks-receiver.test.ts keeps it
 * equal to the spec.
 */
import type { Schema } from "./check-shape.js";

/**
 * `components.schemas.PaymentSessionDetails`, as a callback's `data` must look for a documented event. Written out
 * whole (no shared constants) so that it reads like the spec it mirrors; when the spec changes, the test prints the
 * difference to copy in.
 */
export const PAYMENT_SESSION_SCHEMA: Schema = {
  type: "object",
  required: [
    "id",
    "clientReferenceId",
    "amount",
    "autoConfirm",
    "mode",
    "redirectUrl",
    "paymentMethod",
    "statementDescriptor",
    "status",
    "createdAt",
    "updatedAt",
    "expiryAt",
    "chargeDetails"
  ],
  properties: {
    id: {
      type: "string",
      format: "uuid"
    },
    clientReferenceId: {
      type: "string"
    },
    amount: {
      type: "object",
      required: ["value", "currency"],
      properties: {
        value: {
          type: "number"
        },
        currency: {
          type: "string",
          pattern: "^[A-Z]{3}$"
        }
      }
    },
    autoConfirm: {
      type: "boolean"
    },
    mode: {
      type: "string",
      enum: ["REDIRECT", "API"]
    },
    redirectUrl: {
      type: "object",
      properties: {
        successReturnUrl: {
          type: "string",
          format: "uri",
          maxLength: 255
        },
        failureReturnUrl: {
          type: "string",
          format: "uri",
          maxLength: 255
        },
        expirationReturnUrl: {
          type: "string",
          format: "uri",
          maxLength: 255
        }
      }
    },
    paymentType: {
      type: "string",
      enum: ["SINGLE", "MULTIPLE"]
    },
    paymentMethod: {
      oneOf: [
        {
          type: "null"
        },
        {
          type: "object",
          required: ["type"],
          properties: {
            type: {
              type: "string",
              enum: ["VIRTUAL_ACCOUNT", "QR", "CARD", "EWALLET"]
            }
          }
        }
      ]
    },
    statementDescriptor: {
      type: "string"
    },
    saveForFutureUse: {
      type: "boolean"
    },
    showSavedPayment: {
      type: "boolean"
    },
    expirationMode: {
      type: "string",
      enum: ["STRICT", "LOOSE"]
    },
    status: {
      type: "string",
      enum: [
        "REQUIRE_PAYMENT_METHOD",
        "REQUIRE_CONFIRMATION",
        "REQUIRE_ACTION",
        "ACTIVE",
        "PROCESSING",
        "CANCELLED",
        "EXPIRED",
        "PAID"
      ]
    },
    investigationStatus: {
      oneOf: [
        {
          type: "null"
        },
        {
          type: "string",
          enum: ["INVESTIGATION_IN_PROCESS", "INVESTIGATION_SUCCESS", "INVESTIGATION_FAILED"]
        }
      ]
    },
    createdAt: {
      type: "string",
      format: "date-time",
      pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
    },
    updatedAt: {
      type: "string",
      format: "date-time",
      pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
    },
    expiryAt: {
      type: "string",
      format: "date-time",
      pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
    },
    paymentUrl: {
      type: "string",
      format: "uri"
    },
    chargeDetails: {
      type: ["array", "null"],
      items: {
        type: "object",
        required: ["id", "paymentSessionId", "amount", "status"],
        properties: {
          id: {
            type: "string",
            format: "uuid"
          },
          paymentSessionId: {
            type: "string",
            format: "uuid"
          },
          paymentSessionClientReferenceId: {
            type: "string"
          },
          amount: {
            type: "object",
            required: ["value", "currency"],
            properties: {
              value: {
                type: "number"
              },
              currency: {
                type: "string",
                pattern: "^[A-Z]{3}$"
              }
            }
          },
          statementDescriptor: {
            type: "string"
          },
          status: {
            type: "string",
            enum: [
              "WAITING_FOR_USER_ACTION",
              "WAITING_FOR_AUTHENTICATION",
              "PROCESSING",
              "WAITING_FOR_CAPTURE",
              "FAILED",
              "EXPIRED",
              "SUCCESS"
            ]
          },
          authorizedAmount: {
            type: "object",
            required: ["value", "currency"],
            properties: {
              value: {
                type: "number"
              },
              currency: {
                type: "string",
                pattern: "^[A-Z]{3}$"
              }
            }
          },
          capturedAmount: {
            type: "object",
            required: ["value", "currency"],
            properties: {
              value: {
                type: "number"
              },
              currency: {
                type: "string",
                pattern: "^[A-Z]{3}$"
              }
            }
          },
          isCaptured: {
            type: "boolean"
          },
          createdAt: {
            type: "string",
            format: "date-time",
            pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
          },
          updatedAt: {
            type: "string",
            format: "date-time",
            pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
          },
          paidAt: {
            type: "string",
            format: "date-time",
            pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
          },
          fdsRiskAssessment: {
            oneOf: [
              {
                type: "null"
              },
              {
                type: "object",
                properties: {
                  score: {
                    type: "string"
                  },
                  level: {
                    type: "string"
                  },
                  recommendation: {
                    type: "string"
                  },
                  status: {
                    type: "string"
                  },
                  evaluatedAt: {
                    type: "string",
                    format: "date-time",
                    pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
                  }
                }
              }
            ]
          },
          card: {
            oneOf: [
              {
                type: "null"
              },
              {
                type: "object",
                properties: {
                  first6: {
                    type: "string"
                  },
                  first8: {
                    type: "string"
                  },
                  last4: {
                    type: "string"
                  },
                  expMonth: {
                    type: "string"
                  },
                  expYear: {
                    type: "string"
                  },
                  fingerprint: {
                    type: "string"
                  },
                  binInformations: {
                    type: "object"
                  },
                  authenticationResult: {
                    type: "object"
                  },
                  authorizationResult: {
                    type: "object"
                  },
                  authorizationCode: {
                    type: ["string", "null"]
                  },
                  networkTransactionId: {
                    type: ["string", "null"]
                  },
                  merchantAdviceCode: {
                    type: ["string", "null"]
                  }
                }
              }
            ]
          },
          virtualAccount: {
            type: ["object", "null"]
          },
          qr: {
            type: ["object", "null"]
          },
          ewallet: {
            type: ["object", "null"]
          },
          captureHistories: {
            type: ["array", "null"],
            items: {
              type: "object"
            }
          },
          failureCode: {
            type: ["string", "null"]
          },
          failureMessage: {
            type: ["string", "null"]
          }
        }
      }
    },
    customerId: {
      type: "string"
    },
    customer: {
      type: "object",
      properties: {
        givenName: {
          type: "string"
        },
        surname: {
          type: "string"
        },
        email: {
          type: "string"
        },
        phoneNumber: {
          type: "object",
          properties: {
            countryCode: {
              type: "string"
            },
            number: {
              type: "string"
            }
          }
        },
        refundPreference: {
          type: "object",
          properties: {
            method: {
              type: "string"
            },
            transferDestination: {
              type: "object",
              properties: {
                channelCode: {
                  type: "string"
                },
                channelInformation: {
                  type: "object",
                  properties: {
                    accountNumber: {
                      type: "string"
                    },
                    accountName: {
                      type: "string"
                    }
                  }
                }
              }
            }
          }
        },
        storePaymentMethods: {}
      }
    },
    cancelledAt: {
      oneOf: [
        {
          type: "null"
        },
        {
          type: "string",
          format: "date-time",
          pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"
        }
      ]
    },
    cancellationReason: {
      oneOf: [
        {
          type: "null"
        },
        {
          type: "string",
          enum: ["REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION", "CHARGE_FAILED", "FRAUDULENT"]
        }
      ]
    },
    metadata: {
      type: "object"
    },
    bypassStatusPage: {
      type: "boolean"
    },
    encryptionKey: {
      type: "string"
    },
    recurringId: {
      type: ["string", "null"]
    },
    initiateFirstAuthorization: {
      type: "boolean"
    }
  }
};

/** `components.schemas.PaymentCallbackEvent`: the events Pivot documents. */
export const DOCUMENTED_EVENTS = ["PAYMENT.PROCESSING", "PAYMENT.PAID", "PAYMENT.CANCELLED", "CHARGE.SUCCESS"] as const;
