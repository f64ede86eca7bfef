import { Component, type ErrorInfo, type ReactNode } from "react";
import { ErrorState } from "../components/error-state";

/** A page that throws while rendering shows its error in place; the navigation keeps working. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("The page failed to render", error, info.componentStack);
  }

  override render() {
    if (this.state.error)
      return (
        <ErrorState
          title="This page failed to show"
          error={this.state.error}
          onRetry={() => this.setState({ error: undefined })}
        />
      );
    return this.props.children;
  }
}
