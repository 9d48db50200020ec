import { BaseBoxShapeUtil, HTMLContainer } from "tldraw";
import { defaultNodeProps, genNodeProps, type GenNodeShape, type NodeKind } from "./node-format";
import { NodeCard } from "./NodeCard";

/**
 * What the five node kinds share: the props of server/nodes/node-record.ts, a
 * resizable box, and a card drawn as HTML. Each kind's file names its type and kind.
 */
export abstract class GenNodeShapeUtil extends BaseBoxShapeUtil<GenNodeShape> {
  static override props = genNodeProps;
  abstract readonly kind: NodeKind;

  override canEdit = () => false;
  override canResize = () => true;
  override isAspectRatioLocked = () => false;
  override hideRotateHandle = () => true;

  getDefaultProps(): GenNodeShape["props"] {
    return defaultNodeProps(this.kind);
  }

  component(shape: GenNodeShape) {
    return (
      <HTMLContainer style={{ width: shape.props.w, height: shape.props.h, pointerEvents: "all" }}>
        <NodeCard shape={shape} kind={this.kind} />
      </HTMLContainer>
    );
  }

  getIndicatorPath(shape: GenNodeShape) {
    const path = new Path2D();
    path.roundRect(0, 0, shape.props.w, shape.props.h, 8);
    return path;
  }
}
